#!/bin/bash
# m: LBANN training job written by nncc. Submit with: flux batch m.sh
#flux: --job-name=m
#flux: --nodes=1
#flux: --nslots=1
#flux: --time-limit=60m
#flux: --output=m-{{id}}.out
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-lbann}"


# 1 processes: 1 node(s) x 1, 1 trainer(s)
flux run -u --nodes=1 --ntasks=1 --exclusive \
  "$LBANN" --prototext=m.prototext --use_data_store --preload_data_store '--x=a b' '--y=$(z)'
