#!/usr/bin/env bash
# Makes the image the Dockerfile starts FROM (debian:bookworm-slim) without a registry:
# debootstrap from the Debian mirror apt already uses, slimmed as Debian's own slim image
# is (no documentation, manual pages or translations), imported into podman's storage.
# Kept there between runs: skipped when the image exists.
set -euo pipefail
BASE=${BASE_IMAGE:-docker.io/library/debian:bookworm-slim}

if podman image exists "$BASE"; then
  echo "== base image $BASE: already made"
  exit 0
fi

mirror=$(
  { grep -hs '^URIs:' /etc/apt/sources.list.d/*.sources | awk '{print $2}'
    grep -hs '^deb ' /etc/apt/sources.list /etc/apt/sources.list.d/*.list | awk '{print $2}'
  } | grep -m1 '/debian/\?$' || true
)
if [ -z "$mirror" ]; then
  echo "no Debian mirror in the apt configuration to debootstrap from" >&2
  exit 1
fi
root=$(mktemp -d)
trap 'rm -rf "$root"' EXIT
echo "== base image $BASE: debootstrap bookworm from $mirror"
debootstrap --variant=minbase bookworm "$root" "$mirror" >/dev/null
# As Debian's slim images: later installs skip these paths too.
cat > "$root/etc/dpkg/dpkg.cfg.d/slim" <<'CFG'
path-exclude /usr/share/doc/*
path-include /usr/share/doc/*/copyright
path-exclude /usr/share/man/*
path-exclude /usr/share/info/*
path-exclude /usr/share/locale/*
path-include /usr/share/locale/locale.alias
path-exclude /usr/share/lintian/*
CFG
find "$root/usr/share/doc" -mindepth 1 -not -name copyright -not -type d -delete
find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
# The packages debootstrap downloaded (32 MB) and apt's indexes: nothing reads them again.
rm -rf "$root"/usr/share/{man,info,lintian}/* "$root"/var/lib/apt/lists/* \
  "$root"/var/cache/apt/*.bin "$root"/var/cache/apt/archives/*.deb
find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -not -name locale.alias -exec rm -rf {} +
tar -C "$root" -c . | podman import --change 'CMD ["bash"]' - "$BASE" >/dev/null
podman image ls "$BASE"
