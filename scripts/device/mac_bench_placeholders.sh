# Sourced by the MAC/CMT bench scripts. The gpt2-xl configs name the reference's checkpoint
# folders (/ckpt/t5-large, ...), which the config loader requires to exist with a config.json;
# the bench programs build random networks of those shapes (bench/mac_presets.h) and read no
# weights, so empty stand-ins do. Sets $placeholders: the overrides pointing at them. The folder
# goes when the sourcing script exits (its EXIT trap; a script that sets its own must remove it).
stand_ins=$(mktemp -d)
trap 'rm -rf "$stand_ins"' EXIT
for name in t5-large t5-base gpt2-xl; do mkdir -p "$stand_ins/$name" && echo '{}' > "$stand_ins/$name/config.json"; done
placeholders="mac.amortizer=$stand_ins/t5-large;mac.question_encoder=$stand_ins/t5-base;model.path=$stand_ins/gpt2-xl"
