#!/bin/bash
# m: LBANN training job written by nncc. Submit with: bsub < m.sh
#BSUB -J m
#BSUB -nnodes 3
#BSUB -W 2:30
#BSUB -q pbatch
#BSUB -G myacct
#BSUB -o m-%J.out
#BSUB -e m-%J.err
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-lbann}"


# 12 processes: 3 node(s) x 4 (one resource set per node), 2 trainer(s)
jsrun --nrs 3 --rs_per_host 1 --tasks_per_rs 4 --launch_distribution packed \
  --cpu_per_rs ALL_CPUS --gpu_per_rs ALL_GPUS \
  "$LBANN" --prototext=m.prototext --procs_per_trainer=6
