#!/bin/sh
# The render farm worker's file system: the one set of steps the worker image is made of.
#
# packaging/Dockerfile.worker runs this inside the image; without an OCI builder the same
# steps make the same tree in any folder (tests/test_packaging_worker.py does that):
#
#   sh packaging/worker_fs.sh --wheel dist/vidgen_desktop-*.whl --prefix /opt/vidgen
#
# --prefix DIR              the venv to make (the image's /opt/vidgen)
# --wheel FILE              the Vidgen wheel to install, with the `team` extra
# --system-packages         first install what the venv needs from the distribution
#                           (Debian/Ubuntu: python3, python3-venv, CA certificates,
#                           FriBiDi for Pillow's text layout);
#                           the image does, a developer's machine already has them
# --extra-ca DIR            trust the PEM certificates (*.crt) in DIR too while installing
#                           (a TLS-inspecting proxy; see packaging/extra-ca/README.md)
# --system-site-packages    let the venv see the machine's Python packages instead of
#                           downloading them (tests; the image never uses it)
#
# FFmpeg comes inside the imageio-ffmpeg wheel and the fonts inside Vidgen's own wheel, so
# nothing else is needed from the distribution. At the end the new `vidgen` reports its
# version, FFmpeg build and encoders, and the worker's command line answers: a tree that
# cannot render stops the build here, not on the farm.
set -eu

prefix="" wheel="" system_packages=0 venv_flags="" extra_ca=""
while [ $# -gt 0 ]; do
    case "$1" in
        --prefix) prefix="$2"; shift 2 ;;
        --wheel) wheel="$2"; shift 2 ;;
        --system-packages) system_packages=1; shift ;;
        --system-site-packages) venv_flags="--system-site-packages"; shift ;;
        --extra-ca) extra_ca="$2"; shift 2 ;;
        *) echo "worker_fs.sh: unknown argument: $1" >&2; exit 2 ;;
    esac
done
[ -n "$prefix" ] || { echo "worker_fs.sh: --prefix DIR is required" >&2; exit 2; }
[ -f "$wheel" ] || { echo "worker_fs.sh: --wheel: no wheel file at '$wheel'" >&2; exit 2; }

if [ "$system_packages" = 1 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    # libfribidi0: Pillow lays text out with raqm only when it can load FriBiDi; without it
    # the basic layout draws other pixels than a designer's machine for the same project
    apt-get install -y -q --no-install-recommends python3 python3-venv ca-certificates \
        libfribidi0
    rm -rf /var/lib/apt/lists/*
fi

if [ -n "$extra_ca" ] && ls "$extra_ca"/*.crt >/dev/null 2>&1; then
    bundle=$(mktemp)
    trap 'rm -f "$bundle"' EXIT
    cat /etc/ssl/certs/ca-certificates.crt "$extra_ca"/*.crt > "$bundle"
    export PIP_CERT="$bundle"  # pip's own certificates plus these, for this script only
fi

python=$(command -v python3 || command -v python)
"$python" -m venv $venv_flags "$prefix"
# pip's own cache stays out of the tree; the wheel's extras bring boto3, procrastinate, psycopg
"$prefix/bin/python" -m pip install --no-cache-dir -q "${wheel}[team]"

"$prefix/bin/vidgen" --version
"$prefix/bin/vidgen" worker --help >/dev/null
echo "worker_fs.sh: $prefix is ready"
