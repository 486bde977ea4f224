#!/bin/sh
# Makes the fonts in this directory from Debian 12's fonts-noto-core
# (20201225-1: Noto Sans 2.004, Noto Naskh Arabic 2.004) with
# pyftsubset from fonttools 4.38 (Debian package fonttools). Run it
# from this directory. Both fonts are under the SIL Open Font License
# 1.1 (OFL.txt).
#
# Noto Sans: Latin with Latin-1, Extended-A/B and Extended Additional
# (Vietnamese), combining marks, Greek, Cyrillic and its supplement,
# general punctuation, a few symbols and U+FFFD.
# Noto Naskh Arabic: Arabic, its supplement and Extended-A, both
# presentation-form blocks, Persian letters (in the Arabic block), the
# joiners and direction marks, ASCII punctuation and digits.
# --layout-features='*' keeps every GSUB and GPOS feature, which the
# shaper needs to join Arabic letters and place marks; hinting is
# dropped, as PDF viewers do not use it.
set -eu
src=/usr/share/fonts/truetype/noto
latin='U+0020-007E,U+00A0-024F,U+0259,U+02B9-02DD,U+0300-036F,U+0370-03FF,U+0400-052F,U+1E00-1EFF,U+2000-206F,U+20AC,U+2116,U+2122,U+2190-2193,U+2212,U+FFFD'
arabic='U+0020-0040,U+00A0,U+00AB,U+00BB,U+0600-06FF,U+0750-077F,U+08A0-08FF,U+200C-200F,U+2010-2015,U+2026,U+FB50-FDFF,U+FE70-FEFF'
for w in Regular Bold; do
	pyftsubset "$src/NotoSans-$w.ttf" --unicodes="$latin" --layout-features='*' --no-hinting --output-file="NotoSans-$w.ttf"
	pyftsubset "$src/NotoNaskhArabic-$w.ttf" --unicodes="$arabic" --layout-features='*' --no-hinting --output-file="NotoNaskhArabic-$w.ttf"
done
