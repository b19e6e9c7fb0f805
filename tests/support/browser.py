"""What the browser tests share: Debian's Chromium through Playwright, the phone and
desktop viewports, and a logged-in person who takes screenshots."""
import shutil

from ekinerja_contract.config import REPO_ROOT
from tools import demo_data

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
SHOTS = REPO_ROOT / "test-artifacts" / "screenshots"
AXE = REPO_ROOT / ".venv" / "npm" / "node_modules" / "axe-core" / "axe.min.js"
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
DESKTOP = {"viewport": {"width": 1280, "height": 900}}
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


class Person:
    def __init__(self, browser, system, username, device, label):
        self.context = browser.new_context(base_url=system.gateway_url, locale="id-ID", **device)
        self.page = self.context.new_page()
        self.label = label
        self.page.goto("/")
        password = demo_data.ADMIN["password"] if username == "admin" else next(
            e["password"] for e in demo_data.ORGANISATION["employees"] if e["username"] == username)
        self.page.fill("#username", username)
        self.page.fill("#password", password)
        self.page.click("button[type=submit]")
        self.page.wait_for_url("**/")

    def shot(self, name):
        SHOTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(SHOTS / f"{self.label}-{name}.png"), full_page=True)

    def close(self):
        self.context.close()


def axe_violations(page) -> list:
    """axe-core's violations on the open page ("rule: nodes"). axe is injected as a
    script: the page's context must bypass the CSP (the pages never need to)."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate("async () => (await axe.run(document, {resultTypes: ['violations']}))"
                         ".violations.map(v => v.id + ': ' + v.nodes.length)")


def fill_report(page, system, activity, start, end, description):
    """The report form filled as Sari fills it (her first SKP item)."""
    item = system.demo["people"]["sari"]["skp"]["items"][0]["title"]
    page.select_option("#skp_item_id", label=item)
    page.select_option("#activity", value=activity)
    page.fill("#start", start)
    page.fill("#end", end)
    page.fill("#description", description)
