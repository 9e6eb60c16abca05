"""The topology as SMAUG's `Graph.print_summary` shows it (`nncc summary -t smaug`)."""
from __future__ import annotations

from google.protobuf import text_format

from . import graph_pb2 as pb


def summary_text(graph: pb.GraphProto) -> str:
    """The graph as SMAUG's `Graph.print_summary` shows it."""
    bar = "=" * 65
    line = "-" * 65
    children: dict[str, list[str]] = {}
    for node in graph.nodes:
        for p in node.parents:
            children.setdefault(p, []).append(node.name)

    def tensor(t: pb.TensorProto) -> str:
        dims = ", ".join(str(d) for d in t.shape.dims)
        return (f"  {t.name} {pb.DataType.Name(t.data_type)} [{dims}] {pb.DataLayout.Name(t.shape.layout)} "
                f"alignment({t.shape.alignment})")

    out = [bar, f"      Summary of the network: {graph.name} ({graph.backend})", bar,
           f"Host memory access policy: {pb.HostMemoryAccessPolicy.Name(graph.mem_policy)}.", line]
    for node in graph.nodes:
        out.append(f"Name: {node.name} ({pb.OpType.Name(node.op)})")
        out.append("Parents:" + " ".join(node.parents))
        out.append("Children:" + " ".join(children.get(node.name, [])))
        out.append("Input tensors:")
        out.extend(tensor(t) for t in node.input_tensors)
        out.append("Output tensors:")
        out.extend(tensor(t) for t in node.output_tensors)
        if node.HasField("params") and node.params.ListFields():
            out.append("Params: " + text_format.MessageToString(node.params, as_one_line=True))
        out.append(line)
    return "\n".join(out)


def summary(result) -> str:
    name = next(k for k in result.files if k.endswith("_topo.pbtxt"))
    graph = text_format.Parse(result.files[name].decode(), pb.GraphProto())
    return summary_text(graph)
