#!/bin/bash
# m: LBANN training run written by nncc. Run with: bash m.sh
# On more than one node, set HOSTFILE to an MPI host file.
set -euo pipefail

# Run next to the prototext (sbatch, flux batch and bsub run a copy of this script elsewhere).
cd "${SLURM_SUBMIT_DIR:-${FLUX_JOB_CWD:-${LS_SUBCWD:-$(dirname "$0")}}}"
LBANN="${LBANN:-lbann}"


# 1 processes: 1 node(s) x 1, 1 trainer(s)
mpirun -np 1 --map-by ppr:1:node ${HOSTFILE:+--hostfile "$HOSTFILE"} \
  "$LBANN" --model=m.prototext --optimizer=m.prototext --reader=data_reader_mnist.prototext
