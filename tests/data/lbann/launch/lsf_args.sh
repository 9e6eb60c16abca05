#!/bin/bash
# m: LBANN training job written by nncc. Submit with: bsub < m.sh
#BSUB -J m
#BSUB -nnodes 1
#BSUB -W 1:00
#BSUB -o m-%J.out
#BSUB -e m-%J.err
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-lbann}"


# 1 processes: 1 node(s) x 1 (one resource set per node), 1 trainer(s)
jsrun --nrs 1 --rs_per_host 1 --tasks_per_rs 1 --launch_distribution packed \
  --cpu_per_rs ALL_CPUS --gpu_per_rs ALL_GPUS \
  "$LBANN" --prototext=m.prototext --use_data_store --preload_data_store '--x=a b' '--y=$(z)'
