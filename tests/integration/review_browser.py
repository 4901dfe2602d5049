#!/usr/bin/python3
"""review_browser.py - drives `trustadm review serve` in a real browser
(Debian's chromium, headless, through chromium-driver and
python3-selenium) for test_review_browser.sh, as a reviewer would: log
in with the printed link, open a photo, try a platform without consent
(refused on the page, with the reason), approve for one platform, tag an
untagged photo, reject it with a reason, run a subject access request,
look at the cameras; then, on a photo of a certificate with a name, see
the detected text outlined, be refused an export before any redaction,
drag an extra area to blur, save the areas, see the publishable copy
and export it.  A PNG screenshot of each page goes to OUTDIR.

usage: review_browser.py LOGIN_URL TAGGED_ID UNTAGGED_ID OUTDIR CERT_ID
Prints "ok - ..." / "not ok - ..." lines; exits 1 on the first failure.
Waits are for page elements (WebDriverWait), never fixed sleeps.
"""
import os
import sys
import tempfile

from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select, WebDriverWait

url, tagged, untagged, outdir, cert = sys.argv[1:6]
os.makedirs(outdir, exist_ok=True)
profile = tempfile.mkdtemp(prefix="chromium-")
opts = webdriver.ChromeOptions()
opts.binary_location = "/usr/bin/chromium"
for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,1500",
          "--user-data-dir=" + profile, "--no-first-run", "--disable-extensions",
          "--disable-background-networking", "--disable-sync", "--no-proxy-server"):
    opts.add_argument(a)
drv = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=opts)
wait = WebDriverWait(drv, 20)
n = 0


def check(what, cond):
    if not cond:
        print("not ok - " + what)
        drv.save_screenshot(os.path.join(outdir, "failed.png"))
        drv.quit()
        sys.exit(1)
    print("ok - " + what)


def shot(name):
    global n
    n += 1
    drv.save_screenshot(os.path.join(outdir, "%02d-%s.png" % (n, name)))


def click_and_load(by, sel):
    """Click something that loads a new page and wait until the old page is
    gone: the new page's elements (an #outcome, #approve) exist on the old
    one too, so waiting for them alone can catch the page being left."""
    drv.execute_script("window.tcOldPage = true")
    drv.find_element(by, sel).click()
    wait.until(new_page_loaded)


def new_page_loaded(d):
    """The marker set on the old page is gone and the new one has loaded.
    Asked mid-navigation, chromium may answer with an error: not yet."""
    try:
        return d.execute_script(
            "return window.tcOldPage === undefined && document.readyState === 'complete'")
    except WebDriverException:
        return False


def banner():
    try:
        return wait.until(EC.presence_of_element_located((By.ID, "outcome")))
    except Exception:
        check("an outcome on the page, not: " + drv.page_source[:300].replace("\n", " "), False)


def photo(pid):
    click_and_load(By.CSS_SELECTOR, "a.button[href='/photo?id=%s']" % pid)
    wait.until(EC.presence_of_element_located((By.ID, "approve")))


def shot_at(name, elem_id):
    drv.execute_script("document.getElementById(arguments[0]).scrollIntoView()", elem_id)
    shot(name)


def tick(names):
    for box in drv.find_elements(By.CSS_SELECTOR, "#approve input[name=platform]"):
        if box.is_selected() != (box.get_attribute("value") in names):
            box.click()
    click_and_load(By.CSS_SELECTOR, "#approve button")


try:
    drv.get(url)
    wait.until(EC.title_contains("Photos to review"))
    check("the login link opens the queue", tagged in drv.page_source and untagged in drv.page_source)
    check("the untagged photo says it needs tagging", "Needs tagging" in drv.page_source)
    wait.until(lambda d: d.execute_script(
        "return [...document.images].every(i => i.complete && i.naturalWidth > 0)"))
    check("the thumbnails load (made in memory)", True)
    shot("queue")

    photo(tagged)
    shot("photo")
    tick({"website", "newsletter"})
    b = banner()
    check("a platform without consent is refused on the page",
          "refused" in b.text and "newsletter" in b.text and "bad" in b.get_attribute("class"))
    shot("refused")
    tick({"website"})
    b = banner()
    check("approving for the one platform consent allows", "approved for website" in b.text)
    check("the history shows it", "approved for website" in
          drv.find_element(By.CSS_SELECTOR, "ul.history").text)
    shot("approved")

    click_and_load(By.LINK_TEXT, "Photos to review")
    photo(untagged)
    drv.find_element(By.ID, "pupils").send_keys("P-ALICE, P-BOB")
    click_and_load(By.CSS_SELECTOR, "#tag button")
    b = banner()
    check("tagging the untagged photo on the page makes it approvable for the shared consent",
          "may be approved for: website" in b.text)
    shot("tagged")
    drv.find_element(By.ID, "reason").send_keys("eyes closed")
    click_and_load(By.CSS_SELECTOR, "#reject button")
    b = banner()
    check("rejecting with a reason", "rejected" in b.text)
    check("the state says so", drv.find_element(By.ID, "state").text == "Rejected")
    shot("rejected")

    click_and_load(By.LINK_TEXT, "Subject access")
    wait.until(EC.presence_of_element_located((By.ID, "pupil"))).send_keys("P-BOB")
    click_and_load(By.CSS_SELECTOR, "#sar button")
    b = banner()
    check("a subject access request exports the pupil's photos", "2 photos exported" in b.text)
    shot("subject-access")

    click_and_load(By.LINK_TEXT, "Cameras")
    wait.until(EC.title_contains("Cameras"))
    check("the cameras page lists the camera", "In use" in drv.page_source)
    shot("cameras")

    click_and_load(By.LINK_TEXT, "Photos to review")
    photo(cert)
    note = drv.find_element(By.ID, "textnote").text
    check("the certificate's words are flagged on the page", "Words in the picture" in note)
    n_text = len(drv.find_elements(By.CSS_SELECTOR, "#boxes rect.text"))
    check("their areas are drawn over the photo", n_text >= 1)
    wait.until(lambda d: d.execute_script(
        "var i=document.getElementById('full');return i.complete&&i.naturalWidth>0"))
    shot("text-found")
    tick({"website"})
    check("approving the certificate photo for website", "approved for website" in banner().text)
    click_and_load(By.CSS_SELECTOR, "#export button")
    b = banner()
    check("export before any redaction is refused on the page",
          "no redaction is recorded" in b.text and "bad" in b.get_attribute("class"))
    shot("export-refused")
    before = drv.find_element(By.ID, "areas").get_attribute("value")
    img = drv.find_element(By.ID, "full")
    w, h = img.size["width"], img.size["height"]
    ActionChains(drv).move_to_element_with_offset(img, -w // 2 + 20, -h // 2 + 20).click_and_hold() \
        .move_by_offset(90, 50).release().perform()
    after = drv.find_element(By.ID, "areas").get_attribute("value")
    check("dragging on the photo adds an area to blur",
          after.startswith(before) and after.count(";") == before.count(";") + 1)
    check("and draws it", len(drv.find_elements(By.CSS_SELECTOR, "#boxes rect.blur")) == 1)
    click_and_load(By.CSS_SELECTOR, "#redact button")
    b = banner()
    check("saving the areas to blur", "will be blurred in the published copy" in b.text)
    wait.until(lambda d: d.execute_script(
        "var i=document.getElementById('preview');return i&&i.complete&&i.naturalWidth>0"))
    check("the publishable copy is shown", True)
    shot_at("redacted", "redact")
    Select(drv.find_element(By.ID, "platform")).select_by_visible_text("website")
    click_and_load(By.CSS_SELECTOR, "#export button")
    b = banner()
    check("exporting the publishable copy for website", "exported for website" in b.text)
    shot("exported")
finally:
    drv.quit()
