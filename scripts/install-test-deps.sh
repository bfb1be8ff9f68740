#!/usr/bin/env bash
# Installs what the test suite drives besides .NET: real servers and clients from Debian and npm.
# Idempotent; run as root (CI and the dev machines are root) or with sudo available.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_packages=(
  curl
  wrk                # benchmark scripts
  chromium           # headless browser for the dashboard and load-report tests (driven by Playwright)
  firefox-esr        # the dashboard tests in Firefox (driven over WebDriver BiDi, no geckodriver)
  prometheus         # promtool check metrics, and a real Prometheus scraping /metrics
  python3-slixmpp    # a real XMPP client over TCP (conformance tests)
  redis-server       # the cluster on Redis: membership and grain state (cluster tests, deploy/local/cluster)
  nginx              # the cluster's load balancer for HTTP, WebSocket and BOSH
  libnginx-mod-stream # and for XMPP over TCP (nginx stream module)
)

command -v npm >/dev/null || apt_packages+=(nodejs npm)

missing=()
for p in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
  echo "installing: ${missing[*]}"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# npm client packages used by conformance tests (each folder has a package-lock.json).
for dir in $(git ls-files '*package-lock.json' | xargs -r -n1 dirname); do
  (cd "$dir" && npm ci --no-audit --no-fund --loglevel=error)
done
