#!/bin/bash
# m: LBANN training job written by nncc. Submit with: sbatch m.sh
#SBATCH --job-name=jj
#SBATCH --nodes=2
#SBATCH --ntasks=4
#SBATCH --ntasks-per-node=2
#SBATCH --time=1-02:03:04
#SBATCH --output=jj-%j.out
#SBATCH --error=jj-%j.err
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-/opt/lbann/bin/lbann}"
mkdir -p -- 'my ws/$(x)'
cp -- m.prototext 'my ws/$(x)'/
cd -- 'my ws/$(x)'
export CUDA_VISIBLE_DEVICES=0,1


# 4 processes: 2 node(s) x 2, 2 trainer(s)
srun --nodes=2 --ntasks=4 --ntasks-per-node=2 \
  "$LBANN" --prototext=m.prototext --procs_per_trainer=2
