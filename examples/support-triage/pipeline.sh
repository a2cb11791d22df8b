#!/usr/bin/env bash
# The example pipeline, offline: run the flow over the dataset, evaluate it against
# the ground truth, gate on the metrics, and register the flow in the local folder
# registry. LLM replies are replayed from recordings/ (written for this example);
# nothing calls a model or a cloud service.
set -euo pipefail
cd "$(dirname "$0")"
llmops() { node ../../packages/cli/dist/index.js "$@"; }

# Replay never calls the endpoint, so the connection's ${env:…} secrets may stay unset.
stamp=$(date +%Y%m%d_%H%M%S)
base="triage_${stamp}"
eval_run="triage_eval_${stamp}"

echo "== 1. run the flow (llmops run)"
llmops run --file run.yml --connections-file connections.yml --cache replay --cache-dir recordings --name "$base" >/dev/null

echo "== 2. evaluate against the ground truth (evaluation flow + built-in metrics)"
llmops evaluate --run "$base" --file run_evaluation.yml --name "$eval_run" \
  --metrics f1 confusion_matrix --prediction '${run.outputs.category}' --ground-truth '${data.answer}'

echo "== 3. gate on the metrics"
llmops gate --metrics ".llmops/runs/$eval_run/metrics.json" --thresholds 'accuracy >= 0.85' 'f1_macro >= 0.8' >/dev/null
echo "gate passed"

echo "== 4. register the flow (local folder registry)"
llmops register --flow flow --model-name support-triage --target local --run ".llmops/runs/$base" --metrics ".llmops/runs/$eval_run/metrics.json"
