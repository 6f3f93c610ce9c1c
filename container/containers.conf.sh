#!/usr/bin/env bash
# Writes the containers.conf these machines need and prints its path (for CONTAINERS_CONF):
# runc (crun fails on hybrid cgroups) and ulimits root may set here (podman's defaults ask
# for more).
set -euo pipefail
conf=${1:-${TMPDIR:-/tmp}/testimonial-webhooks-containers.conf}
hard=$(ulimit -Hn)
cat > "$conf" <<CONF
[containers]
default_ulimits = ["nofile=$hard:$hard", "nproc=32768:32768"]
[engine]
runtime = "runc"
CONF
echo "$conf"
