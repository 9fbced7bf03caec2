"""Lighthouse at mobile settings on the pages an exporter and a driver use (issue 18, item 5).

Seeds a demo (``cuakhau demo --no-serve``), serves it on 127.0.0.1, signs in as the demo exporter and the demo
driver (their session cookie is passed to Lighthouse as a header), and runs Lighthouse — mobile emulation and
simulated slow 4G, its default — on Debian's Chromium for each page, performance and accessibility only. Prints a
Markdown table: the two scores (targets: 90 or more) and the page's weight before images (HTML + CSS + JS + fonts,
bytes on the wire, target under 100 KB), and whether any request left the origin.

Lighthouse is not a dependency of the project and is never committed: install it into a scratch directory first::

    npm install --prefix /tmp/lh lighthouse@12
    CHROME_PATH=/usr/bin/chromium .venv/bin/python benchmarks/lighthouse.py \\
        --lighthouse /tmp/lh/node_modules/.bin/lighthouse

This is a benchmark, not part of CI (CI checks the page weights and origins cheaply:
``tests/integration/test_page_weight.py``).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

import httpx2

from cuakhau.demo.accounts import DEMO_PASSWORD

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the demo and server helpers of the e2e tests
from tests.e2e.conftest import free_port, running, seed_demo

GATE = "vn-huu-nghi"
CHROME_FLAGS = "--headless --no-sandbox --disable-gpu"
IMAGE_TYPES = ("Image", "Media")


def session_cookie(client: httpx2.Client, username: str) -> str:
    """Sign in through the page form; the session and CSRF cookies as a Cookie header."""
    client.cookies.clear()
    form = client.get("/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)
    assert token, "no CSRF token on /login"
    data = {"username": username, "password": DEMO_PASSWORD, "csrf_token": token.group(1)}
    r = client.post("/login", data=data, follow_redirects=False)
    assert r.status_code == 303, (username, r.status_code, r.text[:300])
    return "; ".join(f"{k}={v}" for k, v in client.cookies.items())


def first_trip(client: httpx2.Client, cookie: str) -> str:
    page = client.get("/portal", headers={"Cookie": cookie})
    found = re.search(r'href="(/portal/trips/[0-9a-f]{32})"', page.text)
    assert found, "the demo exporter has no trip"
    return found.group(1)


def lighthouse(binary: str, url: str, cookie: str | None, work: Path) -> dict[str, object]:
    out = work / "report.json"
    args = [binary, url, "--quiet", f"--chrome-flags={CHROME_FLAGS}"]
    args += ["--only-categories=performance,accessibility", "--output=json", f"--output-path={out}"]
    if cookie:
        args.append(f"--extra-headers={json.dumps({'Cookie': cookie})}")
    env = {**os.environ, "CHROME_PATH": os.environ.get("CHROME_PATH", "/usr/bin/chromium")}
    subprocess.run(args, check=True, env=env, timeout=300)
    report = json.loads(out.read_text())
    origin = urlsplit(url).netloc
    items = report["audits"]["network-requests"]["details"]["items"]
    before_images = sum(i.get("transferSize", 0) for i in items if i.get("resourceType") not in IMAGE_TYPES)
    foreign = sorted({urlsplit(i["url"]).netloc for i in items if urlsplit(i["url"]).netloc not in ("", origin)})
    return {
        "performance": round(100 * (report["categories"]["performance"]["score"] or 0)),
        "accessibility": round(100 * (report["categories"]["accessibility"]["score"] or 0)),
        "kb": before_images / 1024,
        "foreign": foreign,
        "lcp": report["audits"]["largest-contentful-paint"]["displayValue"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--lighthouse", default="lighthouse", help="the lighthouse command (npm)")
    parser.add_argument("--trips", type=int, default=200)
    parser.add_argument("--lang", default="vi")
    options = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cuakhau-lh-") as tmp:
        work = Path(tmp)
        url = seed_demo(work, options.trips)
        port = free_port()
        with running(["serve", "--port", str(port)], cwd=work, port=port, env={"CUAKHAU_DATABASE_URL": url}) as c:
            base = f"http://127.0.0.1:{port}"
            exporter = session_cookie(c, "demo-exporter")
            driver = session_cookie(c, "demo-driver")
            trip = first_trip(c, exporter)
            pages = [
                ("/waits", None),
                ("/login", None),
                ("/portal", exporter),
                ("/portal/trips/new", exporter),
                (trip, exporter),
                ("/driver", driver),
            ]
            print("| Page | Performance | Accessibility | Weight before images | LCP | Other origins |")
            print("|---|---|---|---|---|---|")
            for path, cookie in pages:
                got = lighthouse(options.lighthouse, f"{base}{path}?lang={options.lang}", cookie, work)
                name = "/portal/trips/{id}" if path == trip else path
                print(
                    f"| `{name}` | {got['performance']} | {got['accessibility']} | {got['kb']:.1f} KB | {got['lcp']} "
                    f"| {', '.join(got['foreign']) or 'none'} |",  # type: ignore[arg-type]
                    flush=True,
                )


if __name__ == "__main__":
    main()
