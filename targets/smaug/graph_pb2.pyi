# ruff: noqa
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownDataType: _ClassVar[DataType]
    Int32: _ClassVar[DataType]
    Int64: _ClassVar[DataType]
    Float16: _ClassVar[DataType]
    Float32: _ClassVar[DataType]
    Float64: _ClassVar[DataType]
    Bool: _ClassVar[DataType]

class DataLayout(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownLayout: _ClassVar[DataLayout]
    NCHW: _ClassVar[DataLayout]
    NHWC: _ClassVar[DataLayout]
    NC: _ClassVar[DataLayout]
    CN: _ClassVar[DataLayout]
    NCT: _ClassVar[DataLayout]
    NTC: _ClassVar[DataLayout]
    N: _ClassVar[DataLayout]
    X: _ClassVar[DataLayout]
    EndDataLayout: _ClassVar[DataLayout]

class DataStorageFormat(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownStorageFormat: _ClassVar[DataStorageFormat]
    Uncompressed: _ClassVar[DataStorageFormat]
    CSR: _ClassVar[DataStorageFormat]
    PackedCSR: _ClassVar[DataStorageFormat]
    UncompressedHalfPrecision: _ClassVar[DataStorageFormat]

class OpType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownOp: _ClassVar[OpType]
    Convolution3d: _ClassVar[OpType]
    ConvolutionDepthwise: _ClassVar[OpType]
    MaxPooling: _ClassVar[OpType]
    AveragePooling: _ClassVar[OpType]
    InnerProduct: _ClassVar[OpType]
    BatchNorm: _ClassVar[OpType]
    Data: _ClassVar[OpType]
    ReLU: _ClassVar[OpType]
    LReLU: _ClassVar[OpType]
    ELU: _ClassVar[OpType]
    SELU: _ClassVar[OpType]
    Tanh: _ClassVar[OpType]
    HardTanh: _ClassVar[OpType]
    Sigmoid: _ClassVar[OpType]
    Softmax: _ClassVar[OpType]
    EltwiseAdd: _ClassVar[OpType]
    Reorder: _ClassVar[OpType]
    EltwiseMul: _ClassVar[OpType]
    Concat: _ClassVar[OpType]
    Split: _ClassVar[OpType]
    Reshape: _ClassVar[OpType]
    Repeat: _ClassVar[OpType]
    Less: _ClassVar[OpType]
    LessEqual: _ClassVar[OpType]
    Greater: _ClassVar[OpType]
    GreaterEqual: _ClassVar[OpType]
    Switch: _ClassVar[OpType]
    Merge: _ClassVar[OpType]
    Padding: _ClassVar[OpType]

class PaddingType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownPadding: _ClassVar[PaddingType]
    SamePadding: _ClassVar[PaddingType]
    ValidPadding: _ClassVar[PaddingType]

class HostMemoryAccessPolicy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownMemoryPolicy: _ClassVar[HostMemoryAccessPolicy]
    AllDma: _ClassVar[HostMemoryAccessPolicy]
    AllAcp: _ClassVar[HostMemoryAccessPolicy]
    AllAcpWithDmaForWeights: _ClassVar[HostMemoryAccessPolicy]
UnknownDataType: DataType
Int32: DataType
Int64: DataType
Float16: DataType
Float32: DataType
Float64: DataType
Bool: DataType
UnknownLayout: DataLayout
NCHW: DataLayout
NHWC: DataLayout
NC: DataLayout
CN: DataLayout
NCT: DataLayout
NTC: DataLayout
N: DataLayout
X: DataLayout
EndDataLayout: DataLayout
UnknownStorageFormat: DataStorageFormat
Uncompressed: DataStorageFormat
CSR: DataStorageFormat
PackedCSR: DataStorageFormat
UncompressedHalfPrecision: DataStorageFormat
UnknownOp: OpType
Convolution3d: OpType
ConvolutionDepthwise: OpType
MaxPooling: OpType
AveragePooling: OpType
InnerProduct: OpType
BatchNorm: OpType
Data: OpType
ReLU: OpType
LReLU: OpType
ELU: OpType
SELU: OpType
Tanh: OpType
HardTanh: OpType
Sigmoid: OpType
Softmax: OpType
EltwiseAdd: OpType
Reorder: OpType
EltwiseMul: OpType
Concat: OpType
Split: OpType
Reshape: OpType
Repeat: OpType
Less: OpType
LessEqual: OpType
Greater: OpType
GreaterEqual: OpType
Switch: OpType
Merge: OpType
Padding: OpType
UnknownPadding: PaddingType
SamePadding: PaddingType
ValidPadding: PaddingType
UnknownMemoryPolicy: HostMemoryAccessPolicy
AllDma: HostMemoryAccessPolicy
AllAcp: HostMemoryAccessPolicy
AllAcpWithDmaForWeights: HostMemoryAccessPolicy

class TensorShapeProto(_message.Message):
    __slots__ = ("dims", "layout", "alignment")
    DIMS_FIELD_NUMBER: _ClassVar[int]
    LAYOUT_FIELD_NUMBER: _ClassVar[int]
    ALIGNMENT_FIELD_NUMBER: _ClassVar[int]
    dims: _containers.RepeatedScalarFieldContainer[int]
    layout: DataLayout
    alignment: int
    def __init__(self, dims: _Optional[_Iterable[int]] = ..., layout: _Optional[_Union[DataLayout, str]] = ..., alignment: _Optional[int] = ...) -> None: ...

class TensorProto(_message.Message):
    __slots__ = ("name", "data_type", "shape", "data_format", "data")
    NAME_FIELD_NUMBER: _ClassVar[int]
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    SHAPE_FIELD_NUMBER: _ClassVar[int]
    DATA_FORMAT_FIELD_NUMBER: _ClassVar[int]
    DATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    data_type: DataType
    shape: TensorShapeProto
    data_format: DataStorageFormat
    data: TensorData
    def __init__(self, name: _Optional[str] = ..., data_type: _Optional[_Union[DataType, str]] = ..., shape: _Optional[_Union[TensorShapeProto, _Mapping]] = ..., data_format: _Optional[_Union[DataStorageFormat, str]] = ..., data: _Optional[_Union[TensorData, _Mapping]] = ...) -> None: ...

class TensorData(_message.Message):
    __slots__ = ("name", "half_data", "float_data", "double_data", "int_data", "int64_data", "bool_data")
    NAME_FIELD_NUMBER: _ClassVar[int]
    HALF_DATA_FIELD_NUMBER: _ClassVar[int]
    FLOAT_DATA_FIELD_NUMBER: _ClassVar[int]
    DOUBLE_DATA_FIELD_NUMBER: _ClassVar[int]
    INT_DATA_FIELD_NUMBER: _ClassVar[int]
    INT64_DATA_FIELD_NUMBER: _ClassVar[int]
    BOOL_DATA_FIELD_NUMBER: _ClassVar[int]
    name: str
    half_data: _containers.RepeatedScalarFieldContainer[int]
    float_data: _containers.RepeatedScalarFieldContainer[float]
    double_data: _containers.RepeatedScalarFieldContainer[float]
    int_data: _containers.RepeatedScalarFieldContainer[int]
    int64_data: _containers.RepeatedScalarFieldContainer[int]
    bool_data: _containers.RepeatedScalarFieldContainer[bool]
    def __init__(self, name: _Optional[str] = ..., half_data: _Optional[_Iterable[int]] = ..., float_data: _Optional[_Iterable[float]] = ..., double_data: _Optional[_Iterable[float]] = ..., int_data: _Optional[_Iterable[int]] = ..., int64_data: _Optional[_Iterable[int]] = ..., bool_data: _Optional[_Iterable[bool]] = ...) -> None: ...

class TensorDataArray(_message.Message):
    __slots__ = ("data_array",)
    DATA_ARRAY_FIELD_NUMBER: _ClassVar[int]
    data_array: _containers.RepeatedCompositeFieldContainer[TensorData]
    def __init__(self, data_array: _Optional[_Iterable[_Union[TensorData, _Mapping]]] = ...) -> None: ...

class ConvParams(_message.Message):
    __slots__ = ("padding", "stride")
    PADDING_FIELD_NUMBER: _ClassVar[int]
    STRIDE_FIELD_NUMBER: _ClassVar[int]
    padding: PaddingType
    stride: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, padding: _Optional[_Union[PaddingType, str]] = ..., stride: _Optional[_Iterable[int]] = ...) -> None: ...

class PoolParams(_message.Message):
    __slots__ = ("stride", "pool_size")
    STRIDE_FIELD_NUMBER: _ClassVar[int]
    POOL_SIZE_FIELD_NUMBER: _ClassVar[int]
    stride: _containers.RepeatedScalarFieldContainer[int]
    pool_size: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, stride: _Optional[_Iterable[int]] = ..., pool_size: _Optional[_Iterable[int]] = ...) -> None: ...

class PaddingParams(_message.Message):
    __slots__ = ("padding_size",)
    PADDING_SIZE_FIELD_NUMBER: _ClassVar[int]
    padding_size: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, padding_size: _Optional[_Iterable[int]] = ...) -> None: ...

class ConcatParams(_message.Message):
    __slots__ = ("concat_axis",)
    CONCAT_AXIS_FIELD_NUMBER: _ClassVar[int]
    concat_axis: int
    def __init__(self, concat_axis: _Optional[int] = ...) -> None: ...

class SplitParams(_message.Message):
    __slots__ = ("split_axis",)
    SPLIT_AXIS_FIELD_NUMBER: _ClassVar[int]
    split_axis: int
    def __init__(self, split_axis: _Optional[int] = ...) -> None: ...

class LreluParams(_message.Message):
    __slots__ = ("slope",)
    SLOPE_FIELD_NUMBER: _ClassVar[int]
    slope: float
    def __init__(self, slope: _Optional[float] = ...) -> None: ...

class EluParams(_message.Message):
    __slots__ = ("alpha", "lambda_param")
    ALPHA_FIELD_NUMBER: _ClassVar[int]
    LAMBDA_PARAM_FIELD_NUMBER: _ClassVar[int]
    alpha: float
    lambda_param: float
    def __init__(self, alpha: _Optional[float] = ..., lambda_param: _Optional[float] = ...) -> None: ...

class HardTanhParams(_message.Message):
    __slots__ = ("min", "max")
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    min: float
    max: float
    def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class ActivationParams(_message.Message):
    __slots__ = ("activation", "lrelu_params", "elu_params", "hard_tanh_params")
    ACTIVATION_FIELD_NUMBER: _ClassVar[int]
    LRELU_PARAMS_FIELD_NUMBER: _ClassVar[int]
    ELU_PARAMS_FIELD_NUMBER: _ClassVar[int]
    HARD_TANH_PARAMS_FIELD_NUMBER: _ClassVar[int]
    activation: OpType
    lrelu_params: LreluParams
    elu_params: EluParams
    hard_tanh_params: HardTanhParams
    def __init__(self, activation: _Optional[_Union[OpType, str]] = ..., lrelu_params: _Optional[_Union[LreluParams, _Mapping]] = ..., elu_params: _Optional[_Union[EluParams, _Mapping]] = ..., hard_tanh_params: _Optional[_Union[HardTanhParams, _Mapping]] = ...) -> None: ...

class Params(_message.Message):
    __slots__ = ("conv_params", "pool_params", "concat_params", "split_params", "padding_params", "act_params")
    CONV_PARAMS_FIELD_NUMBER: _ClassVar[int]
    POOL_PARAMS_FIELD_NUMBER: _ClassVar[int]
    CONCAT_PARAMS_FIELD_NUMBER: _ClassVar[int]
    SPLIT_PARAMS_FIELD_NUMBER: _ClassVar[int]
    PADDING_PARAMS_FIELD_NUMBER: _ClassVar[int]
    ACT_PARAMS_FIELD_NUMBER: _ClassVar[int]
    conv_params: ConvParams
    pool_params: PoolParams
    concat_params: ConcatParams
    split_params: SplitParams
    padding_params: PaddingParams
    act_params: ActivationParams
    def __init__(self, conv_params: _Optional[_Union[ConvParams, _Mapping]] = ..., pool_params: _Optional[_Union[PoolParams, _Mapping]] = ..., concat_params: _Optional[_Union[ConcatParams, _Mapping]] = ..., split_params: _Optional[_Union[SplitParams, _Mapping]] = ..., padding_params: _Optional[_Union[PaddingParams, _Mapping]] = ..., act_params: _Optional[_Union[ActivationParams, _Mapping]] = ...) -> None: ...

class NodeProto(_message.Message):
    __slots__ = ("name", "op", "parents", "src_tensors_indices", "input_tensors", "output_tensors", "params")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OP_FIELD_NUMBER: _ClassVar[int]
    PARENTS_FIELD_NUMBER: _ClassVar[int]
    SRC_TENSORS_INDICES_FIELD_NUMBER: _ClassVar[int]
    INPUT_TENSORS_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_TENSORS_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    name: str
    op: OpType
    parents: _containers.RepeatedScalarFieldContainer[str]
    src_tensors_indices: _containers.RepeatedScalarFieldContainer[int]
    input_tensors: _containers.RepeatedCompositeFieldContainer[TensorProto]
    output_tensors: _containers.RepeatedCompositeFieldContainer[TensorProto]
    params: Params
    def __init__(self, name: _Optional[str] = ..., op: _Optional[_Union[OpType, str]] = ..., parents: _Optional[_Iterable[str]] = ..., src_tensors_indices: _Optional[_Iterable[int]] = ..., input_tensors: _Optional[_Iterable[_Union[TensorProto, _Mapping]]] = ..., output_tensors: _Optional[_Iterable[_Union[TensorProto, _Mapping]]] = ..., params: _Optional[_Union[Params, _Mapping]] = ...) -> None: ...

class GraphProto(_message.Message):
    __slots__ = ("name", "nodes", "backend", "mem_policy")
    NAME_FIELD_NUMBER: _ClassVar[int]
    NODES_FIELD_NUMBER: _ClassVar[int]
    BACKEND_FIELD_NUMBER: _ClassVar[int]
    MEM_POLICY_FIELD_NUMBER: _ClassVar[int]
    name: str
    nodes: _containers.RepeatedCompositeFieldContainer[NodeProto]
    backend: str
    mem_policy: HostMemoryAccessPolicy
    def __init__(self, name: _Optional[str] = ..., nodes: _Optional[_Iterable[_Union[NodeProto, _Mapping]]] = ..., backend: _Optional[str] = ..., mem_policy: _Optional[_Union[HostMemoryAccessPolicy, str]] = ...) -> None: ...
