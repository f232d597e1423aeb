#!/bin/sh
# A secret's command: it leaves a mark, so a test sees whether anything ran it.
touch "$(dirname "$0")/../RAN"
echo S3cr3t-COMPLETION-command-xyzzy
