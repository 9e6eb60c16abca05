#!/bin/bash
# m: LBANN training job written by nncc. Submit with: bsub < m.sh
#BSUB -J jj
#BSUB -nnodes 2
#BSUB -W 26:04
#BSUB -o jj-%J.out
#BSUB -e jj-%J.err
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-/opt/lbann/bin/lbann}"
mkdir -p -- 'my ws/$(x)'
cp -- m.prototext 'my ws/$(x)'/
cd -- 'my ws/$(x)'
export CUDA_VISIBLE_DEVICES=0,1


# 4 processes: 2 node(s) x 2 (one resource set per node), 2 trainer(s)
jsrun --nrs 2 --rs_per_host 1 --tasks_per_rs 2 --launch_distribution packed \
  --cpu_per_rs ALL_CPUS --gpu_per_rs ALL_GPUS \
  "$LBANN" --prototext=m.prototext --procs_per_trainer=2
