import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from sijin.campaigns.models import GroupDocument, MeasureType
from sijin.campaigns.services import (
    campaign_configure,
    group_document_add,
    group_document_delete,
    measure_type_delete,
    measure_type_ensure,
    measure_type_update,
)
from sijin.core.models import AuditLog


def test_it_configures_measure_types_in_order_and_idempotently(world):
    admin = world.users["admin"]
    setup = {
        "measure_types": [
            "政策宣讲",
            {"name": "协调会", "unit": "场", "units_label": "协调部门", "people_label": "参会人数"},
        ]
    }
    config = campaign_configure(actor=admin, campaign=world.campaign, **setup)
    assert list(config.measure_types) == ["政策宣讲", "协调会"]
    meeting = config.measure_types["协调会"]
    assert (meeting.order, meeting.unit, meeting.units_label, meeting.people_label) == (
        2,
        "场",
        "协调部门",
        "参会人数",
    )
    assert campaign_configure(actor=admin, campaign=world.campaign, **setup) == config
    assert MeasureType.objects.filter(campaign=world.campaign).count() == 2


def test_it_refuses_a_duplicate_measure_type_name_in_chinese(world):
    admin = world.users["admin"]
    first = measure_type_ensure(actor=admin, campaign=world.campaign, name="座谈会")
    other = measure_type_ensure(actor=admin, campaign=world.campaign, name="对接会")
    with pytest.raises(ValidationError) as exc:
        measure_type_update(actor=admin, measure_type=other, name="座谈会")
    assert "同名措施类型" in str(exc.value)
    assert MeasureType.objects.get(pk=other.pk).name == "对接会"
    measure_type_delete(actor=admin, measure_type=first)
    assert not MeasureType.objects.filter(pk=first.pk).exists()
    assert AuditLog.objects.filter(
        object_type="campaigns.measuretype", summary__contains="删除措施类型"
    ).exists()


def test_it_stores_a_group_document_and_removes_its_file(
    world, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    leader = world.users["group_leader"]
    upload = SimpleUploadedFile("方案.pdf", b"%PDF-1.4 test", content_type="application/pdf")
    document = group_document_add(actor=leader, group=world.group, title="工作方案", file=upload)
    path = document.file.path
    assert GroupDocument.objects.filter(group=world.group, title="工作方案").exists()
    with django_capture_on_commit_callbacks(execute=True):
        group_document_delete(actor=leader, document=document)
    assert not GroupDocument.objects.filter(pk=document.pk).exists()
    import os

    assert not os.path.exists(path)


def test_it_refuses_a_document_of_an_unknown_type_and_saves_nothing(world):
    upload = SimpleUploadedFile("run.exe", b"MZ")
    with pytest.raises(ValidationError) as exc:
        group_document_add(actor=world.users["group_leader"], group=world.group, title="x", file=upload)
    assert "文件类型不支持" in str(exc.value)
    assert not GroupDocument.objects.exists()
