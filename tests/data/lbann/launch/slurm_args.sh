#!/bin/bash
# m: LBANN training job written by nncc. Submit with: sbatch m.sh
#SBATCH --job-name=m
#SBATCH --nodes=1
#SBATCH --ntasks=1
#SBATCH --ntasks-per-node=1
#SBATCH --time=01:00:00
#SBATCH --output=m-%j.out
#SBATCH --error=m-%j.err
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-lbann}"


# 1 processes: 1 node(s) x 1, 1 trainer(s)
srun --nodes=1 --ntasks=1 --ntasks-per-node=1 \
  "$LBANN" --prototext=m.prototext --use_data_store --preload_data_store '--x=a b' '--y=$(z)'
