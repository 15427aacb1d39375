#!/usr/bin/env bash
# Regenerates test/fixtures/audio: short tones made here, encoded with the standard command-line tools
# (Debian packages sox flac lame vorbis-tools opus-tools). The files are committed, so tests and CI do not
# need these tools. Each tone's content is described in test/fixtures/audio/README.md.
set -euo pipefail
out="$(cd "$(dirname "$0")/.." && pwd)/test/fixtures/audio"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$out"

# 0.5 s, 440 Hz sine at half scale, 10 ms fades; mono 44.1 kHz.
sox -n -r 44100 -c 1 -b 16 "$tmp/mono.wav" synth 0.5 sine 440 vol 0.5 fade 0.01 0.5 0.01
# 0.5 s stereo 48 kHz: 440 Hz left, 660 Hz right.
sox -n -r 48000 -c 2 -b 24 "$tmp/stereo.wav" synth 0.5 sine 440 sine 660 vol 0.5 fade 0.01 0.5 0.01
# 0.1 s seeds for the fuzz test (small, so thousands of mutations decode fast).
sox -n -r 44100 -c 1 -b 16 "$tmp/seed.wav" synth 0.1 sine 440 vol 0.5
sox -n -r 48000 -c 2 -b 16 "$tmp/seed2.wav" synth 0.1 sine 440 sine 660 vol 0.5

flac -s -f --best "$tmp/mono.wav" -o "$out/tone-a4-mono-16.flac"
flac -s -f --best "$tmp/stereo.wav" -o "$out/tone-a4-e5-stereo-24-48k.flac"
lame --quiet -b 64 "$tmp/mono.wav" "$out/tone-a4-mono.mp3"
lame --quiet -b 128 "$tmp/stereo.wav" "$out/tone-a4-e5-stereo-48k.mp3"
oggenc -Q -q 3 "$tmp/mono.wav" -o "$out/tone-a4-mono.ogg"
oggenc -Q -q 3 "$tmp/stereo.wav" -o "$out/tone-a4-e5-stereo-48k.ogg"
opusenc --quiet --bitrate 48 "$tmp/mono.wav" "$out/tone-a4-mono.opus"
opusenc --quiet --bitrate 64 "$tmp/stereo.wav" "$out/tone-a4-e5-stereo.opus"
sox "$tmp/mono.wav" "$out/tone-a4-mono-16.aiff"
sox "$tmp/stereo.wav" -e floating-point -b 32 "$out/tone-a4-e5-stereo-fl32.aifc" trim 0 0.15

flac -s -f --no-padding -b 576 "$tmp/seed.wav" -o "$out/seed.flac"
lame --quiet -b 32 "$tmp/seed.wav" "$out/seed.mp3"
oggenc -Q -q 0 "$tmp/seed2.wav" -o "$out/seed.ogg"
opusenc --quiet --bitrate 24 "$tmp/seed.wav" "$out/seed.opus"
sox "$tmp/seed.wav" "$out/seed.aiff"

# White noise driven into clipping (so both full-scale codes occur), 16- and 24-bit, as WAV and FLAC:
# the FLAC decoder's output must equal the WAV reader's sample for sample.
sox -n -r 44100 -c 2 -b 24 "$out/noise-24.wav" synth 0.03 whitenoise vol 2 2>/dev/null
sox -n -r 22050 -c 1 -b 16 "$out/noise-16.wav" synth 0.05 whitenoise vol 2 2>/dev/null
flac -s -f --no-padding "$out/noise-24.wav" -o "$out/noise-24.flac"
flac -s -f --no-padding "$out/noise-16.wav" -o "$out/noise-16.flac"

# 5.1 (WAV channel order L R C LFE Ls Rs), 0.3 s at 48 kHz: a different tone per channel (LFE low, as
# encoders band-limit it), to check that decoders deliver channels in WAV order.
sox -n -r 48000 -c 6 -b 16 "$tmp/six.wav" synth 0.3 sine 300 sine 500 sine 700 sine 80 sine 1100 sine 1300 vol 0.4 2>/dev/null
flac -s -f --no-padding "$tmp/six.wav" -o "$out/tones-5.1.flac"
oggenc -Q -q 2 "$tmp/six.wav" -o "$out/tones-5.1.ogg"
opusenc --quiet --bitrate 96 "$tmp/six.wav" "$out/tones-5.1.opus"
