"""Bulk targets, 包保 cadres and group documents on the group and target pages, with the small world's personas."""

import re

from django.core.files.uploadedfile import SimpleUploadedFile

from sijin.campaigns.models import GroupDocument, Target, TargetCadre
from sijin.campaigns.people import target_cadre_add
from sijin.core.models import AuditLog
from sijin.testing import client_for


def test_it_adds_unnamed_targets_from_the_group_page(world):
    client = client_for("member")
    url = f"/groups/{world.group.pk}/"
    token = _token(world, url)
    r = client.post(
        f"{url}targets/bulk/", {"kind": "enterprise", "count": "3", "names": "", "form_token": token}
    )
    assert r.status_code == 302
    assert Target.objects.filter(group=world.group, unnamed=True).count() == 3
    again = client.post(f"{url}targets/bulk/", {"kind": "enterprise", "count": "3", "form_token": token})
    assert again.status_code == 302
    assert (
        Target.objects.filter(group=world.group, unnamed=True).count() == 3
    )  # a second submit saves nothing
    page = client.get(url).content.decode()
    assert "未具名企业 3" in page


def test_it_shows_bad_pasted_names_in_chinese_and_saves_nothing(world):
    before = Target.objects.count()
    r = client_for("member").post(
        f"/groups/{world.group.pk}/targets/bulk/",
        {"kind": "village", "names": "甲村\n甲村", "form_token": _token(world)},
    )
    assert r.status_code == 400
    assert "第2行“甲村”与第1行重复" in r.content.decode()
    assert Target.objects.count() == before


def _token(world, url=None):
    """The one-time token of the bulk form, as the group page (or the bulk page) renders it."""
    page = client_for("member").get(url or f"/groups/{world.group.pk}/targets/bulk/").content.decode()
    return re.search(r'name="form_token" value="([^"]+)"', page).group(1)


def test_it_adds_pending_kind_targets(world):
    r = client_for("member").post(
        f"/groups/{world.group.pk}/targets/bulk/",
        {"kind": "undecided", "count": "2", "form_token": _token(world)},
    )
    assert r.status_code == 302
    assert Target.objects.filter(kind__undecided=True, group=world.group).count() == 2


def test_it_hides_bulk_add_from_outsiders_and_read_only_roles(world):
    assert client_for("outsider").get(f"/groups/{world.group.pk}/targets/bulk/").status_code == 404
    assert client_for("leader").get(f"/groups/{world.group.pk}/targets/bulk/").status_code == 403


def test_it_lets_the_group_leader_name_cadres_on_the_target_page(world):
    client = client_for("group_leader")
    url = f"/targets/{world.enterprise.pk}/"
    assert "安排包保" in client.get(url).content.decode()
    r = client.post(
        f"/targets/{world.enterprise.pk}/cadres/", {"person": world.member_person.pk, "role": "liaison"}
    )
    assert r.status_code == 302
    cadre = TargetCadre.objects.get(target=world.enterprise, person=world.member_person)
    assert "联络员" in client.get(url).content.decode()
    r = client.post(
        f"/targets/{world.enterprise.pk}/cadres/", {"person": world.member_person.pk, "role": "liaison"}
    )
    assert "此人已在该对象担任此角色" in client.get(url).content.decode()
    r = client.post(f"/targets/{world.enterprise.pk}/cadres/{cadre.pk}/remove/")
    assert r.status_code == 302
    assert not TargetCadre.objects.filter(pk=cadre.pk).exists()


def test_it_refuses_cadre_changes_to_members_and_outsiders(world):
    cadre = target_cadre_add(actor=None, target=world.enterprise, person=world.member_person)
    assert "安排包保" not in client_for("member").get(f"/targets/{world.enterprise.pk}/").content.decode()
    data = {"person": world.group_leader_person.pk, "role": "lead"}
    assert client_for("member").post(f"/targets/{world.enterprise.pk}/cadres/", data).status_code == 403
    assert client_for("outsider").post(f"/targets/{world.enterprise.pk}/cadres/", data).status_code == 404
    r = client_for("member").post(f"/targets/{world.enterprise.pk}/cadres/{cadre.pk}/remove/")
    assert r.status_code == 403
    assert TargetCadre.objects.count() == 1


def test_it_serves_a_group_document_only_inside_the_group_scope(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    client = client_for("member")
    upload = SimpleUploadedFile("方案.docx", b"PK-docx-bytes")
    r = client.post(
        f"/groups/{world.group.pk}/documents/", {"title": "工作方案", "kind": "plan", "file": upload}
    )
    assert r.status_code == 302
    document = GroupDocument.objects.get(group=world.group)
    url = f"/groups/{world.group.pk}/documents/{document.pk}/"
    assert "工作方案" in client.get(f"/groups/{world.group.pk}/").content.decode()
    r = client.get(url)
    assert r.status_code == 200 and b"".join(r.streaming_content) == b"PK-docx-bytes"
    assert AuditLog.objects.filter(summary="下载工作组文件 工作方案").exists()
    assert client_for("outsider").get(url).status_code == 404
    assert client_for("leader").post(f"{url}delete/").status_code == 403
    assert client.post(f"{url}delete/").status_code == 302
    assert not GroupDocument.objects.exists()


def test_it_accepts_a_document_without_a_title_and_shows_it_by_its_kind(world):
    client = client_for("member")
    client.post(f"/groups/{world.group.pk}/documents/", {"title": "", "kind": "plan"})
    document = GroupDocument.objects.get()
    assert (document.title, document.display_title, str(document)) == ("", "工作方案", "工作方案")
    page = client.get(f"/groups/{world.group.pk}/").content.decode()
    assert "已添加文件“工作方案”" in page and "未注明标题" in page


def test_it_refuses_a_document_title_too_long_in_chinese(world):
    client = client_for("member")
    client.post(f"/groups/{world.group.pk}/documents/", {"title": "长" * 101, "kind": "plan"})
    assert "标题不能超过100字" in client.get(f"/groups/{world.group.pk}/").content.decode()
    assert not GroupDocument.objects.exists()
