#!/bin/bash
# m: LBANN training run written by nncc. Run with: bash m.sh
# On more than one node, set HOSTFILE to an MPI host file.
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-lbann}"


# 12 processes: 3 node(s) x 4, 2 trainer(s)
mpirun -np 12 --map-by ppr:4:node ${HOSTFILE:+--hostfile "$HOSTFILE"} \
  "$LBANN" --prototext=m.prototext --procs_per_trainer=6
