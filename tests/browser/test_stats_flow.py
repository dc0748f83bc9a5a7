"""Issue 14's city dashboard at phone width (390 px): the city bureau opens its statistics, every chart is drawn
(pixels on its canvas, not a blank one), the tables under them fit the screen, a row drills down to its persons and
a table downloads as XLSX."""
from __future__ import annotations

import io
from typing import Any

import pytest
from openpyxl import load_workbook

from lms import clock
from tests.browser.conftest import shoot
from tests.browser.test_clerk_pages import PHONE, fits_the_screen
from tests.browser.test_exam_flow import log_in
from tests.browser.walk import city_clerk, practitioner_with_hours

pytestmark = pytest.mark.browser

# How many pixels of a chart's canvas are not background (transparent or white): a drawn chart has thousands.
INKED = """(id) => {
  const canvas = document.querySelector('#' + id + ' canvas');
  if (!canvas) return -1;
  const ctx = canvas.getContext('2d');
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let inked = 0;
  for (let i = 0; i < data.length; i += 4) {
    if (data[i + 3] > 0 && !(data[i] > 245 && data[i + 1] > 245 && data[i + 2] > 245)) inked++;
  }
  return inked;
}"""


def test_the_city_dashboard_draws_its_charts_and_exports_a_table_on_a_phone(live: Any, browser: Any) -> None:
    from lms.stats.operations import refresh_stats
    srv = live()
    year = clock.study_year()
    with srv.app.app_context(), srv.session() as s:
        city_clerk(s)
        for i, (region, prof) in enumerate((("wenzhou-lucheng", 72), ("wenzhou-lucheng", 20),
                                            ("wenzhou-longwan", 60), ("wenzhou-ruian", 0))):
            entries = [(year, "general_public", 18, "exam"), (year, "professional", prof, "claim"),
                       (year, "industry_public", 12, "roster"), (year - 1, "general_public", 18, "exam")]
            practitioner_with_hours(s, i, region, "教育" if i % 2 else "卫生健康", [e for e in entries if e[2]])
        refresh_stats(s, [year, year - 1])
        s.commit()
    context = browser.new_context(viewport=PHONE, accept_downloads=True)
    page = context.new_page()
    base = srv.url
    log_in(page, base, "shiju")
    page.click("header nav >> text=统计")
    page.wait_for_load_state("load")
    assert page.url.endswith(f"/stats/{year}")
    assert "数据截至" in page.inner_text("#as-of")
    for key in ("categories", "sources", "regions", "industries", "years"):
        page.wait_for_selector(f"#chart-{key}[data-drawn] canvas")
    page.wait_for_timeout(1500)  # ECharts animates its first drawing
    for key in ("categories", "sources", "regions", "industries", "years"):
        assert page.evaluate(INKED, f"chart-{key}") > 500, f"chart {key} is blank"
    assert fits_the_screen(page)
    shoot(page, "stats-city-390")
    regions = page.inner_text("#table-regions")
    assert "温州市鹿城区" in regions and "温州市瑞安市" in regions

    with page.expect_download() as info:
        page.click("#fig-regions >> text=导出 Excel")
    download = info.value
    with open(download.path(), "rb") as f:
        rows = [[c.value for c in r] for r in load_workbook(io.BytesIO(f.read())).active.iter_rows()]
    assert rows[0][:3] == ["地区", "人数", "参加学习"] and rows[1][:2] == ["温州市鹿城区", 2]

    page.click("#table-overview >> tr:has-text('未达到年度要求') >> text=查看人员")
    page.wait_for_load_state("load")
    listed = page.inner_text("#people")
    assert "人员1" in listed and "人员3" in listed and "人员0" not in listed
    assert fits_the_screen(page)
