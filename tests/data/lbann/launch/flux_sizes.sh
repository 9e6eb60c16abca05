#!/bin/bash
# m: LBANN training job written by nncc. Submit with: flux batch m.sh
#flux: --job-name=m
#flux: --nodes=3
#flux: --nslots=12
#flux: --time-limit=150m
#flux: --queue=pbatch
#flux: --bank=myacct
#flux: --output=m-{{id}}.out
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-lbann}"


# 12 processes: 3 node(s) x 4, 2 trainer(s)
flux run -u --nodes=3 --ntasks=12 --exclusive \
  "$LBANN" --prototext=m.prototext --procs_per_trainer=6
