"""Files and paths made for the IATI tests."""

from __future__ import annotations

from pathlib import Path

from cbcoord.iati.reading import iter_activities
from cbcoord.iati.records import ParsedActivity, RefusedActivity
from tests.shared import SHARED, needs

REFERENCE = SHARED / "reference" / "iati"
EXAMPLE = REFERENCE / "examples-2.03" / "en" / "activity-standard"
EXAMPLE = EXAMPLE / "activity-standard-example-annotated.xml"
PUBLISHERS = REFERENCE / "real-publishers"
LEGACY = REFERENCE / "legacy-1x"

needs_reference = needs(REFERENCE)


def parse(path: Path, **kwargs: bool) -> list[ParsedActivity | RefusedActivity]:
    return list(iter_activities(path, **kwargs))


def only(path: Path, **kwargs: bool) -> ParsedActivity:
    (result,) = parse(path, **kwargs)
    assert isinstance(result, ParsedActivity), result
    return result


def refused(path: Path, **kwargs: bool) -> RefusedActivity:
    (result,) = parse(path, **kwargs)
    assert isinstance(result, RefusedActivity), result
    return result


ACTIVITY = """<iati-activity {attrs}>
  <iati-identifier>XM-DAC-909-CB-1</iati-identifier>
  <reporting-org ref="XM-DAC-909" type="40"><narrative>Inter-American Development Bank</narrative>
   <narrative xml:lang="es">Banco Interamericano de Desarrollo</narrative></reporting-org>
  <title><narrative>Customs modernisation</narrative>
   <narrative xml:lang="ES">Modernización aduanera</narrative></title>
  <description type="1"><narrative>Support to customs.</narrative></description>
  <participating-org role="1" ref="XM-DAC-909" type="40"/>
  <activity-status code="2"/>
  <activity-date type="2" iso-date="2024-01-15"/>
  <recipient-country code="GT" percentage="100"/>
  <sector vocabulary="1" code="33120" percentage="100"/>
  {body}
</iati-activity>"""


def write(
    tmp_path: Path,
    *,
    attrs: str = 'xml:lang="en" default-currency="USD"',
    body: str = "",
    root: str = 'version="2.03"',
    activities: int = 1,
    name: str = "file.xml",
) -> Path:
    acts = "\n".join(
        ACTIVITY.format(attrs=attrs, body=body).replace("CB-1", f"CB-{i}")
        for i in range(1, activities + 1)
    )
    path = tmp_path / name
    path.write_text(
        f'<?xml version="1.0" encoding="UTF-8"?>\n<iati-activities {root}>\n{acts}\n'
        "</iati-activities>\n",
        encoding="utf-8",
    )
    return path


def with_false_cuts(source: Path, path: Path, *, repeat: int) -> Path:
    """``source`` with, before its middle activity, a comment holding ``repeat`` times the bytes
    ``<iati-activity/>``: wide enough, a cut at an activity start tag must fall in it."""
    text = source.read_text(encoding="utf-8")
    middle = text.index("<iati-activity ", len(text) // 2)
    comment = "<!--" + " <iati-activity/>" * repeat + " -->\n"
    path.write_text(text[:middle] + comment + text[middle:], encoding="utf-8")
    return path


def wait_as_a_reader(parent: int, death_signal: bool) -> None:
    """A process that ends with ``parent`` as the readers do, and otherwise waits."""
    import time

    from cbcoord.iati.pipeline import end_with_parent

    end_with_parent(parent, death_signal=death_signal)
    time.sleep(600)
