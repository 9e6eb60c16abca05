#!/bin/bash
# m: LBANN training run written by nncc. Run with: bash m.sh
# On more than one node, set HOSTFILE to an MPI host file.
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-/opt/lbann/bin/lbann}"
mkdir -p -- 'my ws/$(x)'
cp -- m.prototext 'my ws/$(x)'/
cd -- 'my ws/$(x)'
export CUDA_VISIBLE_DEVICES=0,1


# 4 processes: 2 node(s) x 2, 2 trainer(s)
mpirun -np 4 --map-by ppr:2:node ${HOSTFILE:+--hostfile "$HOSTFILE"} \
  "$LBANN" --prototext=m.prototext --procs_per_trainer=2
