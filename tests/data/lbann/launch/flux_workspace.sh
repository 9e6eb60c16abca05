#!/bin/bash
# m: LBANN training job written by nncc. Submit with: flux batch m.sh
#flux: --job-name=jj
#flux: --nodes=2
#flux: --nslots=4
#flux: --time-limit=1564m
#flux: --output=jj-{{id}}.out
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-/opt/lbann/bin/lbann}"
mkdir -p -- 'my ws/$(x)'
cp -- m.prototext 'my ws/$(x)'/
cd -- 'my ws/$(x)'
export CUDA_VISIBLE_DEVICES=0,1


# 4 processes: 2 node(s) x 2, 2 trainer(s)
flux run -u --nodes=2 --ntasks=4 --exclusive \
  "$LBANN" --prototext=m.prototext --procs_per_trainer=2
