#!/bin/sh
# A deliver command for the tests: logs "<what> <path>" to deliver.log beside
# this script; fails (status 3) for a path named in the file fail-on, if any.
here=$(dirname "$0")
printf '%s %s\n' "$1" "$2" >> "$here/deliver.log"
if [ -f "$here/fail-on" ] && grep -qxF "$2" "$here/fail-on"; then
    echo "cannot deliver $2" >&2
    exit 3
fi
