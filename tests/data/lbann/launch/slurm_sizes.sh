#!/bin/bash
# m: LBANN training job written by nncc. Submit with: sbatch m.sh
#SBATCH --job-name=m
#SBATCH --nodes=3
#SBATCH --ntasks=12
#SBATCH --ntasks-per-node=4
#SBATCH --time=02:30:00
#SBATCH --partition=pbatch
#SBATCH --account=myacct
#SBATCH --output=m-%j.out
#SBATCH --error=m-%j.err
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-lbann}"


# 12 processes: 3 node(s) x 4, 2 trainer(s)
srun --nodes=3 --ntasks=12 --ntasks-per-node=4 \
  "$LBANN" --prototext=m.prototext --procs_per_trainer=6
