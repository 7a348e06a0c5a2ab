"""The Datasets page and each dataset's provenance: the database it was imported from (detected from the
files or named with --format), its licence as known, each year's version, file and import time."""

import re

import pytest

from app.engine import DatasetError, Store, formats
from app.engine.formats.regions import continent_tree
from app.engine.hierarchy import Tree
from app.engine.sources import import_source

from .conftest import make_app
from .exiobase_archives import write_exiobase_archive, write_pymrio_saved


def test_the_page_lists_every_dataset_with_its_source_and_years(client):
    html = client.get("/datasets").get_data(as_text=True)
    assert 'aria-current="page">Datasets</a>' in html
    for name in ("demo", "small"):
        assert f'<a href="/datasets/{name}">{name}</a>' in html
    # the synthetic set: its description as the source, no licence recorded, one row per year
    small = client.get("/datasets/small").get_data(as_text=True)
    assert "synthetic, EXIOBASE 3 pxp labels" in small and "Not recorded" in small
    assert re.findall(r'<th scope="row">(\d{4})</th>', small) == ["2011", "2012"]
    assert "6 regions × 24 products (144 sectors)" in small
    assert client.get("/datasets/nope").status_code == 404
    assert client.get("/datasets/%3Cb%3E").status_code == 404


def test_an_imported_archive_records_its_database_licence_version_and_file(tmp_path):
    path, _ = write_exiobase_archive(tmp_path / "src", 2011, n_products=7, seed=5)
    assert formats.detect(path).name == "exiobase3"
    store = Store(tmp_path / "store")
    store.write("exio", import_source([path]))
    source = store.open("exio").provenance()
    assert (source["database"], source["format"]) == ("EXIOBASE 3", "exiobase3")
    assert "CC BY-SA 4.0" in source["licence"] and "non-commercial" in source["licence"]
    year = source["years"]["2011"]
    assert year["origin"] == str(path) and year["imported"][:2] == "20" and isinstance(year["version"], str)
    # the page and the API say the same
    app = make_app(store.root, tmp_path)
    client = app.test_client()
    html = client.get("/datasets/exio").get_data(as_text=True)
    assert "EXIOBASE 3 (imported as exiobase3)" in html and "CC BY-SA 4.0" in html and path.name in html
    assert client.get("/api/v1/datasets/exio").get_json()["provenance"] == source


def test_a_pymrio_folder_is_detected_and_the_format_can_be_named(tmp_path):
    folder, _ = write_pymrio_saved(tmp_path / "saved_2011", 2011)
    assert formats.detect(folder).name == "pymrio"
    source = import_source([folder], fmt="pymrio")
    source.years[0][1]()  # the versions are filled in as the years are read
    assert source.provenance["database"] == "a system saved by pymrio" and 2011 in source.provenance["versions"]


def test_an_unknown_format_or_unknown_files_are_refused_naming_them(tmp_path):
    path, _ = write_exiobase_archive(tmp_path / "src", 2011, n_products=7, seed=5)
    with pytest.raises(DatasetError) as refused:
        import_source([path], fmt="excel")
    assert refused.value.field == "format" and "unknown format 'excel'" in refused.value.message
    stray = tmp_path / "notes_2011.csv"
    stray.write_text("a,b\n1,2\n")
    with pytest.raises(DatasetError) as refused:
        import_source([stray])
    assert refused.value.field == "paths" and "notes_2011.csv: not the files of any database" in refused.value.message


def test_regions_roll_up_to_continents_with_their_names():
    tree = Tree(continent_tree(["DEU", "CHN", "USA", "BRA", "ROW"]), "regions")
    assert tree.leaf_codes() == ["DEU", "CHN", "USA", "BRA", "ROW"]
    assert [(tree[c].name, tree[c].parent) for c in ("DEU", "CHN", "BRA", "ROW")] == [
        ("Germany", "Europe"), ("China", "Asia"), ("Brazil", "America"), ("ROW", "Rest of the world")]
    assert tree["TOTAL"].name == "World"
