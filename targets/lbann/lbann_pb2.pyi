# ruff: noqa
from google.protobuf import any_pb2 as _any_pb2
from google.protobuf import wrappers_pb2 as _wrappers_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class DataType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEFAULT_DATATYPE: _ClassVar[DataType]
    FLOAT: _ClassVar[DataType]
    DOUBLE: _ClassVar[DataType]
    FP16: _ClassVar[DataType]
    COMPLEX_FLOAT: _ClassVar[DataType]
    COMPLEX_DOUBLE: _ClassVar[DataType]

class DeviceAllocation(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEFAULT_DEVICE: _ClassVar[DeviceAllocation]
    CPU: _ClassVar[DeviceAllocation]
    GPU: _ClassVar[DeviceAllocation]

class SubGraphCommunication(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    PT2PT: _ClassVar[SubGraphCommunication]
    COLL: _ClassVar[SubGraphCommunication]
    COLL_OPT: _ClassVar[SubGraphCommunication]

class ShardingStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FULL: _ClassVar[ShardingStrategy]
    GRID_ROWS: _ClassVar[ShardingStrategy]
    GRID_COLS: _ClassVar[ShardingStrategy]

class ConvTensorOpsMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    DEFAULT_TENSOR_OPS: _ClassVar[ConvTensorOpsMode]
    NO_TENSOR_OPS: _ClassVar[ConvTensorOpsMode]
    USE_TENSOR_OPS: _ClassVar[ConvTensorOpsMode]
    USE_TENSOR_OPS_ALLOW_CONVERSION: _ClassVar[ConvTensorOpsMode]
DEFAULT_DATATYPE: DataType
FLOAT: DataType
DOUBLE: DataType
FP16: DataType
COMPLEX_FLOAT: DataType
COMPLEX_DOUBLE: DataType
DEFAULT_DEVICE: DeviceAllocation
CPU: DeviceAllocation
GPU: DeviceAllocation
PT2PT: SubGraphCommunication
COLL: SubGraphCommunication
COLL_OPT: SubGraphCommunication
FULL: ShardingStrategy
GRID_ROWS: ShardingStrategy
GRID_COLS: ShardingStrategy
DEFAULT_TENSOR_OPS: ConvTensorOpsMode
NO_TENSOR_OPS: ConvTensorOpsMode
USE_TENSOR_OPS: ConvTensorOpsMode
USE_TENSOR_OPS_ALLOW_CONVERSION: ConvTensorOpsMode

class LbannPB(_message.Message):
    __slots__ = ("data_reader", "model", "optimizer", "trainer", "training_algorithm")
    DATA_READER_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    TRAINER_FIELD_NUMBER: _ClassVar[int]
    TRAINING_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    data_reader: DataReader
    model: Model
    optimizer: Optimizer
    trainer: Trainer
    training_algorithm: TrainingAlgorithm
    def __init__(self, data_reader: _Optional[_Union[DataReader, _Mapping]] = ..., model: _Optional[_Union[Model, _Mapping]] = ..., optimizer: _Optional[_Union[Optimizer, _Mapping]] = ..., trainer: _Optional[_Union[Trainer, _Mapping]] = ..., training_algorithm: _Optional[_Union[TrainingAlgorithm, _Mapping]] = ...) -> None: ...

class Trainer(_message.Message):
    __slots__ = ("name", "mini_batch_size", "callback", "random_init_trainers_identically", "random_seed", "hydrogen_block_size", "serialize_io", "data_coordinator", "training_algorithm")
    NAME_FIELD_NUMBER: _ClassVar[int]
    MINI_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_FIELD_NUMBER: _ClassVar[int]
    RANDOM_INIT_TRAINERS_IDENTICALLY_FIELD_NUMBER: _ClassVar[int]
    RANDOM_SEED_FIELD_NUMBER: _ClassVar[int]
    HYDROGEN_BLOCK_SIZE_FIELD_NUMBER: _ClassVar[int]
    SERIALIZE_IO_FIELD_NUMBER: _ClassVar[int]
    DATA_COORDINATOR_FIELD_NUMBER: _ClassVar[int]
    TRAINING_ALGORITHM_FIELD_NUMBER: _ClassVar[int]
    name: str
    mini_batch_size: int
    callback: _containers.RepeatedCompositeFieldContainer[Callback]
    random_init_trainers_identically: bool
    random_seed: int
    hydrogen_block_size: int
    serialize_io: bool
    data_coordinator: DataCoordinator
    training_algorithm: TrainingAlgorithm
    def __init__(self, name: _Optional[str] = ..., mini_batch_size: _Optional[int] = ..., callback: _Optional[_Iterable[_Union[Callback, _Mapping]]] = ..., random_init_trainers_identically: _Optional[bool] = ..., random_seed: _Optional[int] = ..., hydrogen_block_size: _Optional[int] = ..., serialize_io: _Optional[bool] = ..., data_coordinator: _Optional[_Union[DataCoordinator, _Mapping]] = ..., training_algorithm: _Optional[_Union[TrainingAlgorithm, _Mapping]] = ...) -> None: ...

class DataCoordinator(_message.Message):
    __slots__ = ("datatype", "io_buffer", "transforms")
    DATATYPE_FIELD_NUMBER: _ClassVar[int]
    IO_BUFFER_FIELD_NUMBER: _ClassVar[int]
    TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
    datatype: DataType
    io_buffer: str
    transforms: _containers.RepeatedCompositeFieldContainer[TransformDataField]
    def __init__(self, datatype: _Optional[_Union[DataType, str]] = ..., io_buffer: _Optional[str] = ..., transforms: _Optional[_Iterable[_Union[TransformDataField, _Mapping]]] = ...) -> None: ...

class TransformDataField(_message.Message):
    __slots__ = ("data_field", "execution_phase", "transforms")
    DATA_FIELD_FIELD_NUMBER: _ClassVar[int]
    EXECUTION_PHASE_FIELD_NUMBER: _ClassVar[int]
    TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
    data_field: str
    execution_phase: str
    transforms: _containers.RepeatedCompositeFieldContainer[Transform]
    def __init__(self, data_field: _Optional[str] = ..., execution_phase: _Optional[str] = ..., transforms: _Optional[_Iterable[_Union[Transform, _Mapping]]] = ...) -> None: ...

class TrainingAlgorithm(_message.Message):
    __slots__ = ("name", "parameters")
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    name: str
    parameters: _any_pb2.Any
    def __init__(self, name: _Optional[str] = ..., parameters: _Optional[_Union[_any_pb2.Any, _Mapping]] = ...) -> None: ...

class SGD(_message.Message):
    __slots__ = ("stopping_criteria", "suppress_timer_output")
    class TerminationCriteria(_message.Message):
        __slots__ = ("max_batches", "max_epochs", "max_seconds")
        MAX_BATCHES_FIELD_NUMBER: _ClassVar[int]
        MAX_EPOCHS_FIELD_NUMBER: _ClassVar[int]
        MAX_SECONDS_FIELD_NUMBER: _ClassVar[int]
        max_batches: int
        max_epochs: int
        max_seconds: float
        def __init__(self, max_batches: _Optional[int] = ..., max_epochs: _Optional[int] = ..., max_seconds: _Optional[float] = ...) -> None: ...
    STOPPING_CRITERIA_FIELD_NUMBER: _ClassVar[int]
    SUPPRESS_TIMER_OUTPUT_FIELD_NUMBER: _ClassVar[int]
    stopping_criteria: SGD.TerminationCriteria
    suppress_timer_output: bool
    def __init__(self, stopping_criteria: _Optional[_Union[SGD.TerminationCriteria, _Mapping]] = ..., suppress_timer_output: _Optional[bool] = ...) -> None: ...

class Model(_message.Message):
    __slots__ = ("name", "objective_function", "metric", "data_layout", "num_epochs", "super_steps", "num_batches", "evaluation_frequency", "subgraph_communication", "enable_subgraph_topology", "subgraph_parent_grid_resources", "disable_cuda", "layer", "weights", "callback", "summarizer", "amp")
    class Summarizer(_message.Message):
        __slots__ = ("dir",)
        DIR_FIELD_NUMBER: _ClassVar[int]
        dir: str
        def __init__(self, dir: _Optional[str] = ...) -> None: ...
    class AutomaticMixedPrecision(_message.Message):
        __slots__ = ("enabled", "init_scale", "growth_factor", "backoff_factor", "growth_interval")
        ENABLED_FIELD_NUMBER: _ClassVar[int]
        INIT_SCALE_FIELD_NUMBER: _ClassVar[int]
        GROWTH_FACTOR_FIELD_NUMBER: _ClassVar[int]
        BACKOFF_FACTOR_FIELD_NUMBER: _ClassVar[int]
        GROWTH_INTERVAL_FIELD_NUMBER: _ClassVar[int]
        enabled: bool
        init_scale: float
        growth_factor: float
        backoff_factor: float
        growth_interval: int
        def __init__(self, enabled: _Optional[bool] = ..., init_scale: _Optional[float] = ..., growth_factor: _Optional[float] = ..., backoff_factor: _Optional[float] = ..., growth_interval: _Optional[int] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    OBJECTIVE_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    METRIC_FIELD_NUMBER: _ClassVar[int]
    DATA_LAYOUT_FIELD_NUMBER: _ClassVar[int]
    NUM_EPOCHS_FIELD_NUMBER: _ClassVar[int]
    SUPER_STEPS_FIELD_NUMBER: _ClassVar[int]
    NUM_BATCHES_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FREQUENCY_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPH_COMMUNICATION_FIELD_NUMBER: _ClassVar[int]
    ENABLE_SUBGRAPH_TOPOLOGY_FIELD_NUMBER: _ClassVar[int]
    SUBGRAPH_PARENT_GRID_RESOURCES_FIELD_NUMBER: _ClassVar[int]
    DISABLE_CUDA_FIELD_NUMBER: _ClassVar[int]
    LAYER_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    CALLBACK_FIELD_NUMBER: _ClassVar[int]
    SUMMARIZER_FIELD_NUMBER: _ClassVar[int]
    AMP_FIELD_NUMBER: _ClassVar[int]
    name: str
    objective_function: ObjectiveFunction
    metric: _containers.RepeatedCompositeFieldContainer[Metric]
    data_layout: str
    num_epochs: int
    super_steps: int
    num_batches: int
    evaluation_frequency: int
    subgraph_communication: SubGraphCommunication
    enable_subgraph_topology: bool
    subgraph_parent_grid_resources: int
    disable_cuda: bool
    layer: _containers.RepeatedCompositeFieldContainer[Layer]
    weights: _containers.RepeatedCompositeFieldContainer[Weights]
    callback: _containers.RepeatedCompositeFieldContainer[Callback]
    summarizer: Model.Summarizer
    amp: Model.AutomaticMixedPrecision
    def __init__(self, name: _Optional[str] = ..., objective_function: _Optional[_Union[ObjectiveFunction, _Mapping]] = ..., metric: _Optional[_Iterable[_Union[Metric, _Mapping]]] = ..., data_layout: _Optional[str] = ..., num_epochs: _Optional[int] = ..., super_steps: _Optional[int] = ..., num_batches: _Optional[int] = ..., evaluation_frequency: _Optional[int] = ..., subgraph_communication: _Optional[_Union[SubGraphCommunication, str]] = ..., enable_subgraph_topology: _Optional[bool] = ..., subgraph_parent_grid_resources: _Optional[int] = ..., disable_cuda: _Optional[bool] = ..., layer: _Optional[_Iterable[_Union[Layer, _Mapping]]] = ..., weights: _Optional[_Iterable[_Union[Weights, _Mapping]]] = ..., callback: _Optional[_Iterable[_Union[Callback, _Mapping]]] = ..., summarizer: _Optional[_Union[Model.Summarizer, _Mapping]] = ..., amp: _Optional[_Union[Model.AutomaticMixedPrecision, _Mapping]] = ...) -> None: ...

class ObjectiveFunction(_message.Message):
    __slots__ = ("layer_term", "l2_weight_regularization")
    class LayerTerm(_message.Message):
        __slots__ = ("scale_factor", "layer")
        SCALE_FACTOR_FIELD_NUMBER: _ClassVar[int]
        LAYER_FIELD_NUMBER: _ClassVar[int]
        scale_factor: float
        layer: str
        def __init__(self, scale_factor: _Optional[float] = ..., layer: _Optional[str] = ...) -> None: ...
    class L2WeightRegularization(_message.Message):
        __slots__ = ("scale_factor", "weights")
        SCALE_FACTOR_FIELD_NUMBER: _ClassVar[int]
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        scale_factor: float
        weights: _containers.RepeatedScalarFieldContainer[str]
        def __init__(self, scale_factor: _Optional[float] = ..., weights: _Optional[_Iterable[str]] = ...) -> None: ...
    LAYER_TERM_FIELD_NUMBER: _ClassVar[int]
    L2_WEIGHT_REGULARIZATION_FIELD_NUMBER: _ClassVar[int]
    layer_term: _containers.RepeatedCompositeFieldContainer[ObjectiveFunction.LayerTerm]
    l2_weight_regularization: _containers.RepeatedCompositeFieldContainer[ObjectiveFunction.L2WeightRegularization]
    def __init__(self, layer_term: _Optional[_Iterable[_Union[ObjectiveFunction.LayerTerm, _Mapping]]] = ..., l2_weight_regularization: _Optional[_Iterable[_Union[ObjectiveFunction.L2WeightRegularization, _Mapping]]] = ...) -> None: ...

class Metric(_message.Message):
    __slots__ = ("layer_metric", "executable_metric", "python_metric")
    class LayerMetric(_message.Message):
        __slots__ = ("layer", "name", "unit")
        LAYER_FIELD_NUMBER: _ClassVar[int]
        NAME_FIELD_NUMBER: _ClassVar[int]
        UNIT_FIELD_NUMBER: _ClassVar[int]
        layer: str
        name: str
        unit: str
        def __init__(self, layer: _Optional[str] = ..., name: _Optional[str] = ..., unit: _Optional[str] = ...) -> None: ...
    class ExecutableMetric(_message.Message):
        __slots__ = ("name", "filename", "other_args")
        NAME_FIELD_NUMBER: _ClassVar[int]
        FILENAME_FIELD_NUMBER: _ClassVar[int]
        OTHER_ARGS_FIELD_NUMBER: _ClassVar[int]
        name: str
        filename: str
        other_args: str
        def __init__(self, name: _Optional[str] = ..., filename: _Optional[str] = ..., other_args: _Optional[str] = ...) -> None: ...
    class PythonMetric(_message.Message):
        __slots__ = ("name", "module", "module_dir", "function")
        NAME_FIELD_NUMBER: _ClassVar[int]
        MODULE_FIELD_NUMBER: _ClassVar[int]
        MODULE_DIR_FIELD_NUMBER: _ClassVar[int]
        FUNCTION_FIELD_NUMBER: _ClassVar[int]
        name: str
        module: str
        module_dir: str
        function: str
        def __init__(self, name: _Optional[str] = ..., module: _Optional[str] = ..., module_dir: _Optional[str] = ..., function: _Optional[str] = ...) -> None: ...
    LAYER_METRIC_FIELD_NUMBER: _ClassVar[int]
    EXECUTABLE_METRIC_FIELD_NUMBER: _ClassVar[int]
    PYTHON_METRIC_FIELD_NUMBER: _ClassVar[int]
    layer_metric: Metric.LayerMetric
    executable_metric: Metric.ExecutableMetric
    python_metric: Metric.PythonMetric
    def __init__(self, layer_metric: _Optional[_Union[Metric.LayerMetric, _Mapping]] = ..., executable_metric: _Optional[_Union[Metric.ExecutableMetric, _Mapping]] = ..., python_metric: _Optional[_Union[Metric.PythonMetric, _Mapping]] = ...) -> None: ...

class Weights(_message.Message):
    __slots__ = ("name", "optimizer", "initializer", "datatype", "sharded", "sharding_strategy")
    NAME_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    DATATYPE_FIELD_NUMBER: _ClassVar[int]
    SHARDED_FIELD_NUMBER: _ClassVar[int]
    SHARDING_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    name: str
    optimizer: Optimizer
    initializer: Initializer
    datatype: DataType
    sharded: bool
    sharding_strategy: ShardingStrategy
    def __init__(self, name: _Optional[str] = ..., optimizer: _Optional[_Union[Optimizer, _Mapping]] = ..., initializer: _Optional[_Union[Initializer, _Mapping]] = ..., datatype: _Optional[_Union[DataType, str]] = ..., sharded: _Optional[bool] = ..., sharding_strategy: _Optional[_Union[ShardingStrategy, str]] = ...) -> None: ...

class Initializer(_message.Message):
    __slots__ = ("constant_initializer", "value_initializer", "numpy_initializer", "uniform_initializer", "normal_initializer", "glorot_normal_initializer", "glorot_uniform_initializer", "he_normal_initializer", "he_uniform_initializer", "lecun_normal_initializer", "lecun_uniform_initializer")
    class ConstantInitializer(_message.Message):
        __slots__ = ("value",)
        VALUE_FIELD_NUMBER: _ClassVar[int]
        value: float
        def __init__(self, value: _Optional[float] = ...) -> None: ...
    class ValueInitializer(_message.Message):
        __slots__ = ("values", "values_d")
        VALUES_FIELD_NUMBER: _ClassVar[int]
        VALUES_D_FIELD_NUMBER: _ClassVar[int]
        values: _containers.RepeatedScalarFieldContainer[float]
        values_d: _containers.RepeatedScalarFieldContainer[float]
        def __init__(self, values: _Optional[_Iterable[float]] = ..., values_d: _Optional[_Iterable[float]] = ...) -> None: ...
    class NumpyInitializer(_message.Message):
        __slots__ = ("file",)
        FILE_FIELD_NUMBER: _ClassVar[int]
        file: str
        def __init__(self, file: _Optional[str] = ...) -> None: ...
    class UniformInitializer(_message.Message):
        __slots__ = ("min", "max")
        MIN_FIELD_NUMBER: _ClassVar[int]
        MAX_FIELD_NUMBER: _ClassVar[int]
        min: float
        max: float
        def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...
    class NormalInitializer(_message.Message):
        __slots__ = ("mean", "standard_deviation")
        MEAN_FIELD_NUMBER: _ClassVar[int]
        STANDARD_DEVIATION_FIELD_NUMBER: _ClassVar[int]
        mean: float
        standard_deviation: float
        def __init__(self, mean: _Optional[float] = ..., standard_deviation: _Optional[float] = ...) -> None: ...
    class GlorotNormalInitializer(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class GlorotUniformInitializer(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class HeNormalInitializer(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class HeUniformInitializer(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class LeCunNormalInitializer(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class LeCunUniformInitializer(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    CONSTANT_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    VALUE_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    NUMPY_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    UNIFORM_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    NORMAL_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    GLOROT_NORMAL_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    GLOROT_UNIFORM_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    HE_NORMAL_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    HE_UNIFORM_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    LECUN_NORMAL_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    LECUN_UNIFORM_INITIALIZER_FIELD_NUMBER: _ClassVar[int]
    constant_initializer: Initializer.ConstantInitializer
    value_initializer: Initializer.ValueInitializer
    numpy_initializer: Initializer.NumpyInitializer
    uniform_initializer: Initializer.UniformInitializer
    normal_initializer: Initializer.NormalInitializer
    glorot_normal_initializer: Initializer.GlorotNormalInitializer
    glorot_uniform_initializer: Initializer.GlorotUniformInitializer
    he_normal_initializer: Initializer.HeNormalInitializer
    he_uniform_initializer: Initializer.HeUniformInitializer
    lecun_normal_initializer: Initializer.LeCunNormalInitializer
    lecun_uniform_initializer: Initializer.LeCunUniformInitializer
    def __init__(self, constant_initializer: _Optional[_Union[Initializer.ConstantInitializer, _Mapping]] = ..., value_initializer: _Optional[_Union[Initializer.ValueInitializer, _Mapping]] = ..., numpy_initializer: _Optional[_Union[Initializer.NumpyInitializer, _Mapping]] = ..., uniform_initializer: _Optional[_Union[Initializer.UniformInitializer, _Mapping]] = ..., normal_initializer: _Optional[_Union[Initializer.NormalInitializer, _Mapping]] = ..., glorot_normal_initializer: _Optional[_Union[Initializer.GlorotNormalInitializer, _Mapping]] = ..., glorot_uniform_initializer: _Optional[_Union[Initializer.GlorotUniformInitializer, _Mapping]] = ..., he_normal_initializer: _Optional[_Union[Initializer.HeNormalInitializer, _Mapping]] = ..., he_uniform_initializer: _Optional[_Union[Initializer.HeUniformInitializer, _Mapping]] = ..., lecun_normal_initializer: _Optional[_Union[Initializer.LeCunNormalInitializer, _Mapping]] = ..., lecun_uniform_initializer: _Optional[_Union[Initializer.LeCunUniformInitializer, _Mapping]] = ...) -> None: ...

class Optimizer(_message.Message):
    __slots__ = ("no_optimizer", "adagrad", "adam", "hypergradient_adam", "rmsprop", "sgd")
    class NoOptimizer(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class AdaGrad(_message.Message):
        __slots__ = ("learn_rate", "eps")
        LEARN_RATE_FIELD_NUMBER: _ClassVar[int]
        EPS_FIELD_NUMBER: _ClassVar[int]
        learn_rate: float
        eps: float
        def __init__(self, learn_rate: _Optional[float] = ..., eps: _Optional[float] = ...) -> None: ...
    class Adam(_message.Message):
        __slots__ = ("learn_rate", "beta1", "beta2", "eps", "adamw_weight_decay")
        LEARN_RATE_FIELD_NUMBER: _ClassVar[int]
        BETA1_FIELD_NUMBER: _ClassVar[int]
        BETA2_FIELD_NUMBER: _ClassVar[int]
        EPS_FIELD_NUMBER: _ClassVar[int]
        ADAMW_WEIGHT_DECAY_FIELD_NUMBER: _ClassVar[int]
        learn_rate: float
        beta1: float
        beta2: float
        eps: float
        adamw_weight_decay: float
        def __init__(self, learn_rate: _Optional[float] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ..., adamw_weight_decay: _Optional[float] = ...) -> None: ...
    class HypergradientAdam(_message.Message):
        __slots__ = ("init_learning_rate", "hyper_learning_rate", "beta1", "beta2", "eps")
        INIT_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
        HYPER_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
        BETA1_FIELD_NUMBER: _ClassVar[int]
        BETA2_FIELD_NUMBER: _ClassVar[int]
        EPS_FIELD_NUMBER: _ClassVar[int]
        init_learning_rate: float
        hyper_learning_rate: float
        beta1: float
        beta2: float
        eps: float
        def __init__(self, init_learning_rate: _Optional[float] = ..., hyper_learning_rate: _Optional[float] = ..., beta1: _Optional[float] = ..., beta2: _Optional[float] = ..., eps: _Optional[float] = ...) -> None: ...
    class RMSprop(_message.Message):
        __slots__ = ("learn_rate", "decay_rate", "eps")
        LEARN_RATE_FIELD_NUMBER: _ClassVar[int]
        DECAY_RATE_FIELD_NUMBER: _ClassVar[int]
        EPS_FIELD_NUMBER: _ClassVar[int]
        learn_rate: float
        decay_rate: float
        eps: float
        def __init__(self, learn_rate: _Optional[float] = ..., decay_rate: _Optional[float] = ..., eps: _Optional[float] = ...) -> None: ...
    class SGD(_message.Message):
        __slots__ = ("learn_rate", "momentum", "nesterov")
        LEARN_RATE_FIELD_NUMBER: _ClassVar[int]
        MOMENTUM_FIELD_NUMBER: _ClassVar[int]
        NESTEROV_FIELD_NUMBER: _ClassVar[int]
        learn_rate: float
        momentum: float
        nesterov: bool
        def __init__(self, learn_rate: _Optional[float] = ..., momentum: _Optional[float] = ..., nesterov: _Optional[bool] = ...) -> None: ...
    NO_OPTIMIZER_FIELD_NUMBER: _ClassVar[int]
    ADAGRAD_FIELD_NUMBER: _ClassVar[int]
    ADAM_FIELD_NUMBER: _ClassVar[int]
    HYPERGRADIENT_ADAM_FIELD_NUMBER: _ClassVar[int]
    RMSPROP_FIELD_NUMBER: _ClassVar[int]
    SGD_FIELD_NUMBER: _ClassVar[int]
    no_optimizer: Optimizer.NoOptimizer
    adagrad: Optimizer.AdaGrad
    adam: Optimizer.Adam
    hypergradient_adam: Optimizer.HypergradientAdam
    rmsprop: Optimizer.RMSprop
    sgd: Optimizer.SGD
    def __init__(self, no_optimizer: _Optional[_Union[Optimizer.NoOptimizer, _Mapping]] = ..., adagrad: _Optional[_Union[Optimizer.AdaGrad, _Mapping]] = ..., adam: _Optional[_Union[Optimizer.Adam, _Mapping]] = ..., hypergradient_adam: _Optional[_Union[Optimizer.HypergradientAdam, _Mapping]] = ..., rmsprop: _Optional[_Union[Optimizer.RMSprop, _Mapping]] = ..., sgd: _Optional[_Union[Optimizer.SGD, _Mapping]] = ...) -> None: ...

class ParallelStrategy(_message.Message):
    __slots__ = ("sample_groups", "sample_splits", "height_groups", "height_splits", "width_groups", "width_splits", "channel_groups", "channel_splits", "filter_groups", "filter_splits", "replications", "procs_per_replica", "depth_groups", "depth_splits", "grid_tag")
    SAMPLE_GROUPS_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_SPLITS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_GROUPS_FIELD_NUMBER: _ClassVar[int]
    HEIGHT_SPLITS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_GROUPS_FIELD_NUMBER: _ClassVar[int]
    WIDTH_SPLITS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_GROUPS_FIELD_NUMBER: _ClassVar[int]
    CHANNEL_SPLITS_FIELD_NUMBER: _ClassVar[int]
    FILTER_GROUPS_FIELD_NUMBER: _ClassVar[int]
    FILTER_SPLITS_FIELD_NUMBER: _ClassVar[int]
    REPLICATIONS_FIELD_NUMBER: _ClassVar[int]
    PROCS_PER_REPLICA_FIELD_NUMBER: _ClassVar[int]
    DEPTH_GROUPS_FIELD_NUMBER: _ClassVar[int]
    DEPTH_SPLITS_FIELD_NUMBER: _ClassVar[int]
    GRID_TAG_FIELD_NUMBER: _ClassVar[int]
    sample_groups: int
    sample_splits: int
    height_groups: int
    height_splits: int
    width_groups: int
    width_splits: int
    channel_groups: int
    channel_splits: int
    filter_groups: int
    filter_splits: int
    replications: int
    procs_per_replica: int
    depth_groups: int
    depth_splits: int
    grid_tag: _wrappers_pb2.Int64Value
    def __init__(self, sample_groups: _Optional[int] = ..., sample_splits: _Optional[int] = ..., height_groups: _Optional[int] = ..., height_splits: _Optional[int] = ..., width_groups: _Optional[int] = ..., width_splits: _Optional[int] = ..., channel_groups: _Optional[int] = ..., channel_splits: _Optional[int] = ..., filter_groups: _Optional[int] = ..., filter_splits: _Optional[int] = ..., replications: _Optional[int] = ..., procs_per_replica: _Optional[int] = ..., depth_groups: _Optional[int] = ..., depth_splits: _Optional[int] = ..., grid_tag: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ...) -> None: ...

class Layer(_message.Message):
    __slots__ = ("name", "parents", "children", "weights", "device_allocation", "datatype", "hint_layer", "data_layout", "parallel_strategy", "grid_tag", "freeze", "input", "operator_layer", "reshape", "pooling", "concatenation", "slice", "split", "sum", "weighted_sum", "unpooling", "hadamard", "constant", "reduction", "evaluation", "gaussian", "bernoulli", "uniform", "crop", "dummy", "stop_gradient", "in_top_k", "sort", "weights_layer", "tessellate", "scatter", "gather", "batchwise_reduce_sum", "permute", "identity_zero", "multidim_reduction", "upsample", "fully_connected", "convolution", "deconvolution", "embedding", "channelwise_scale_bias", "entrywise_scale_bias", "channelwise_fully_connected", "gru", "cross_entropy", "mean_squared_error", "mean_absolute_error", "categorical_accuracy", "top_k_categorical_accuracy", "l2_norm2", "l1_norm", "matmul", "batch_normalization", "local_response_normalization", "dropout", "selu_dropout", "entrywise_batch_normalization", "layer_norm", "instance_norm", "elu", "identity", "leaky_relu", "log_softmax", "relu", "softmax", "bilinear_resize", "covariance", "variance", "channelwise_mean", "mini_batch_index", "mini_batch_size", "argmax", "argmin", "one_hot", "channelwise_softmax")
    class Input(_message.Message):
        __slots__ = ("data_field",)
        DATA_FIELD_FIELD_NUMBER: _ClassVar[int]
        data_field: str
        def __init__(self, data_field: _Optional[str] = ...) -> None: ...
    class OperatorLayer(_message.Message):
        __slots__ = ("ops",)
        OPS_FIELD_NUMBER: _ClassVar[int]
        ops: _containers.RepeatedCompositeFieldContainer[Operator]
        def __init__(self, ops: _Optional[_Iterable[_Union[Operator, _Mapping]]] = ...) -> None: ...
    class Reshape(_message.Message):
        __slots__ = ("dims",)
        DIMS_FIELD_NUMBER: _ClassVar[int]
        dims: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, dims: _Optional[_Iterable[int]] = ...) -> None: ...
    class Pooling(_message.Message):
        __slots__ = ("pool_mode", "num_dims", "has_vectors", "pool_dims", "pool_pads", "pool_strides", "pool_dims_i", "pool_pads_i", "pool_strides_i")
        POOL_MODE_FIELD_NUMBER: _ClassVar[int]
        NUM_DIMS_FIELD_NUMBER: _ClassVar[int]
        HAS_VECTORS_FIELD_NUMBER: _ClassVar[int]
        POOL_DIMS_FIELD_NUMBER: _ClassVar[int]
        POOL_PADS_FIELD_NUMBER: _ClassVar[int]
        POOL_STRIDES_FIELD_NUMBER: _ClassVar[int]
        POOL_DIMS_I_FIELD_NUMBER: _ClassVar[int]
        POOL_PADS_I_FIELD_NUMBER: _ClassVar[int]
        POOL_STRIDES_I_FIELD_NUMBER: _ClassVar[int]
        pool_mode: str
        num_dims: int
        has_vectors: bool
        pool_dims: _containers.RepeatedScalarFieldContainer[int]
        pool_pads: _containers.RepeatedScalarFieldContainer[int]
        pool_strides: _containers.RepeatedScalarFieldContainer[int]
        pool_dims_i: int
        pool_pads_i: int
        pool_strides_i: int
        def __init__(self, pool_mode: _Optional[str] = ..., num_dims: _Optional[int] = ..., has_vectors: _Optional[bool] = ..., pool_dims: _Optional[_Iterable[int]] = ..., pool_pads: _Optional[_Iterable[int]] = ..., pool_strides: _Optional[_Iterable[int]] = ..., pool_dims_i: _Optional[int] = ..., pool_pads_i: _Optional[int] = ..., pool_strides_i: _Optional[int] = ...) -> None: ...
    class Unpooling(_message.Message):
        __slots__ = ("num_dims",)
        NUM_DIMS_FIELD_NUMBER: _ClassVar[int]
        num_dims: int
        def __init__(self, num_dims: _Optional[int] = ...) -> None: ...
    class Concatenation(_message.Message):
        __slots__ = ("axis",)
        AXIS_FIELD_NUMBER: _ClassVar[int]
        axis: int
        def __init__(self, axis: _Optional[int] = ...) -> None: ...
    class Slice(_message.Message):
        __slots__ = ("axis", "slice_points", "get_slice_points_from_reader")
        AXIS_FIELD_NUMBER: _ClassVar[int]
        SLICE_POINTS_FIELD_NUMBER: _ClassVar[int]
        GET_SLICE_POINTS_FROM_READER_FIELD_NUMBER: _ClassVar[int]
        axis: int
        slice_points: _containers.RepeatedScalarFieldContainer[int]
        get_slice_points_from_reader: str
        def __init__(self, axis: _Optional[int] = ..., slice_points: _Optional[_Iterable[int]] = ..., get_slice_points_from_reader: _Optional[str] = ...) -> None: ...
    class Split(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Sum(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class WeightedSum(_message.Message):
        __slots__ = ("scaling_factors",)
        SCALING_FACTORS_FIELD_NUMBER: _ClassVar[int]
        scaling_factors: _containers.RepeatedScalarFieldContainer[float]
        def __init__(self, scaling_factors: _Optional[_Iterable[float]] = ...) -> None: ...
    class Hadamard(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Constant(_message.Message):
        __slots__ = ("value", "num_neurons")
        VALUE_FIELD_NUMBER: _ClassVar[int]
        NUM_NEURONS_FIELD_NUMBER: _ClassVar[int]
        value: float
        num_neurons: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, value: _Optional[float] = ..., num_neurons: _Optional[_Iterable[int]] = ...) -> None: ...
    class Reduction(_message.Message):
        __slots__ = ("mode",)
        MODE_FIELD_NUMBER: _ClassVar[int]
        mode: str
        def __init__(self, mode: _Optional[str] = ...) -> None: ...
    class MultiDimReduction(_message.Message):
        __slots__ = ("mode", "axes")
        MODE_FIELD_NUMBER: _ClassVar[int]
        AXES_FIELD_NUMBER: _ClassVar[int]
        mode: str
        axes: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, mode: _Optional[str] = ..., axes: _Optional[_Iterable[int]] = ...) -> None: ...
    class Evaluation(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Gaussian(_message.Message):
        __slots__ = ("mean", "stdev", "neuron_dims", "training_only")
        MEAN_FIELD_NUMBER: _ClassVar[int]
        STDEV_FIELD_NUMBER: _ClassVar[int]
        NEURON_DIMS_FIELD_NUMBER: _ClassVar[int]
        TRAINING_ONLY_FIELD_NUMBER: _ClassVar[int]
        mean: float
        stdev: float
        neuron_dims: _containers.RepeatedScalarFieldContainer[int]
        training_only: bool
        def __init__(self, mean: _Optional[float] = ..., stdev: _Optional[float] = ..., neuron_dims: _Optional[_Iterable[int]] = ..., training_only: _Optional[bool] = ...) -> None: ...
    class Bernoulli(_message.Message):
        __slots__ = ("prob", "neuron_dims")
        PROB_FIELD_NUMBER: _ClassVar[int]
        NEURON_DIMS_FIELD_NUMBER: _ClassVar[int]
        prob: float
        neuron_dims: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, prob: _Optional[float] = ..., neuron_dims: _Optional[_Iterable[int]] = ...) -> None: ...
    class Uniform(_message.Message):
        __slots__ = ("min", "max", "neuron_dims", "training_only")
        MIN_FIELD_NUMBER: _ClassVar[int]
        MAX_FIELD_NUMBER: _ClassVar[int]
        NEURON_DIMS_FIELD_NUMBER: _ClassVar[int]
        TRAINING_ONLY_FIELD_NUMBER: _ClassVar[int]
        min: float
        max: float
        neuron_dims: _containers.RepeatedScalarFieldContainer[int]
        training_only: bool
        def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ..., neuron_dims: _Optional[_Iterable[int]] = ..., training_only: _Optional[bool] = ...) -> None: ...
    class Crop(_message.Message):
        __slots__ = ("dims",)
        DIMS_FIELD_NUMBER: _ClassVar[int]
        dims: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, dims: _Optional[_Iterable[int]] = ...) -> None: ...
    class Dummy(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class StopGradient(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class InTopK(_message.Message):
        __slots__ = ("k",)
        K_FIELD_NUMBER: _ClassVar[int]
        k: int
        def __init__(self, k: _Optional[int] = ...) -> None: ...
    class Sort(_message.Message):
        __slots__ = ("descending",)
        DESCENDING_FIELD_NUMBER: _ClassVar[int]
        descending: bool
        def __init__(self, descending: _Optional[bool] = ...) -> None: ...
    class WeightsLayer(_message.Message):
        __slots__ = ("dims",)
        DIMS_FIELD_NUMBER: _ClassVar[int]
        dims: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, dims: _Optional[_Iterable[int]] = ...) -> None: ...
    class Tessellate(_message.Message):
        __slots__ = ("dims",)
        DIMS_FIELD_NUMBER: _ClassVar[int]
        dims: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, dims: _Optional[_Iterable[int]] = ...) -> None: ...
    class Scatter(_message.Message):
        __slots__ = ("dims", "axis")
        DIMS_FIELD_NUMBER: _ClassVar[int]
        AXIS_FIELD_NUMBER: _ClassVar[int]
        dims: _containers.RepeatedScalarFieldContainer[int]
        axis: _wrappers_pb2.UInt64Value
        def __init__(self, dims: _Optional[_Iterable[int]] = ..., axis: _Optional[_Union[_wrappers_pb2.UInt64Value, _Mapping]] = ...) -> None: ...
    class Gather(_message.Message):
        __slots__ = ("axis",)
        AXIS_FIELD_NUMBER: _ClassVar[int]
        axis: _wrappers_pb2.UInt64Value
        def __init__(self, axis: _Optional[_Union[_wrappers_pb2.UInt64Value, _Mapping]] = ...) -> None: ...
    class BatchwiseReduceSum(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class TensorPermute(_message.Message):
        __slots__ = ("axes",)
        AXES_FIELD_NUMBER: _ClassVar[int]
        axes: _containers.RepeatedScalarFieldContainer[int]
        def __init__(self, axes: _Optional[_Iterable[int]] = ...) -> None: ...
    class IdentityZero(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Upsample(_message.Message):
        __slots__ = ("upsample_mode", "num_dims", "has_vectors", "scale_factors", "scale_factors_i")
        UPSAMPLE_MODE_FIELD_NUMBER: _ClassVar[int]
        NUM_DIMS_FIELD_NUMBER: _ClassVar[int]
        HAS_VECTORS_FIELD_NUMBER: _ClassVar[int]
        SCALE_FACTORS_FIELD_NUMBER: _ClassVar[int]
        SCALE_FACTORS_I_FIELD_NUMBER: _ClassVar[int]
        upsample_mode: str
        num_dims: int
        has_vectors: bool
        scale_factors: _containers.RepeatedScalarFieldContainer[int]
        scale_factors_i: int
        def __init__(self, upsample_mode: _Optional[str] = ..., num_dims: _Optional[int] = ..., has_vectors: _Optional[bool] = ..., scale_factors: _Optional[_Iterable[int]] = ..., scale_factors_i: _Optional[int] = ...) -> None: ...
    class FullyConnected(_message.Message):
        __slots__ = ("num_neurons", "has_bias", "transpose")
        NUM_NEURONS_FIELD_NUMBER: _ClassVar[int]
        HAS_BIAS_FIELD_NUMBER: _ClassVar[int]
        TRANSPOSE_FIELD_NUMBER: _ClassVar[int]
        num_neurons: int
        has_bias: bool
        transpose: bool
        def __init__(self, num_neurons: _Optional[int] = ..., has_bias: _Optional[bool] = ..., transpose: _Optional[bool] = ...) -> None: ...
    class Convolution(_message.Message):
        __slots__ = ("num_dims", "out_channels", "kernel_size", "stride", "padding", "groups", "has_bias", "dilation", "conv_tensor_op_mode")
        NUM_DIMS_FIELD_NUMBER: _ClassVar[int]
        OUT_CHANNELS_FIELD_NUMBER: _ClassVar[int]
        KERNEL_SIZE_FIELD_NUMBER: _ClassVar[int]
        STRIDE_FIELD_NUMBER: _ClassVar[int]
        PADDING_FIELD_NUMBER: _ClassVar[int]
        GROUPS_FIELD_NUMBER: _ClassVar[int]
        HAS_BIAS_FIELD_NUMBER: _ClassVar[int]
        DILATION_FIELD_NUMBER: _ClassVar[int]
        CONV_TENSOR_OP_MODE_FIELD_NUMBER: _ClassVar[int]
        num_dims: int
        out_channels: int
        kernel_size: _containers.RepeatedScalarFieldContainer[int]
        stride: _containers.RepeatedScalarFieldContainer[int]
        padding: _containers.RepeatedScalarFieldContainer[int]
        groups: _wrappers_pb2.Int64Value
        has_bias: _wrappers_pb2.BoolValue
        dilation: _containers.RepeatedScalarFieldContainer[int]
        conv_tensor_op_mode: ConvTensorOpsMode
        def __init__(self, num_dims: _Optional[int] = ..., out_channels: _Optional[int] = ..., kernel_size: _Optional[_Iterable[int]] = ..., stride: _Optional[_Iterable[int]] = ..., padding: _Optional[_Iterable[int]] = ..., groups: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., has_bias: _Optional[_Union[_wrappers_pb2.BoolValue, _Mapping]] = ..., dilation: _Optional[_Iterable[int]] = ..., conv_tensor_op_mode: _Optional[_Union[ConvTensorOpsMode, str]] = ...) -> None: ...
    class Deconvolution(_message.Message):
        __slots__ = ("num_dims", "out_channels", "kernel_size", "stride", "padding", "output_padding", "groups", "has_bias", "dilation", "conv_tensor_op_mode")
        NUM_DIMS_FIELD_NUMBER: _ClassVar[int]
        OUT_CHANNELS_FIELD_NUMBER: _ClassVar[int]
        KERNEL_SIZE_FIELD_NUMBER: _ClassVar[int]
        STRIDE_FIELD_NUMBER: _ClassVar[int]
        PADDING_FIELD_NUMBER: _ClassVar[int]
        OUTPUT_PADDING_FIELD_NUMBER: _ClassVar[int]
        GROUPS_FIELD_NUMBER: _ClassVar[int]
        HAS_BIAS_FIELD_NUMBER: _ClassVar[int]
        DILATION_FIELD_NUMBER: _ClassVar[int]
        CONV_TENSOR_OP_MODE_FIELD_NUMBER: _ClassVar[int]
        num_dims: int
        out_channels: int
        kernel_size: _containers.RepeatedScalarFieldContainer[int]
        stride: _containers.RepeatedScalarFieldContainer[int]
        padding: _containers.RepeatedScalarFieldContainer[int]
        output_padding: _containers.RepeatedScalarFieldContainer[int]
        groups: _wrappers_pb2.Int64Value
        has_bias: _wrappers_pb2.BoolValue
        dilation: _containers.RepeatedScalarFieldContainer[int]
        conv_tensor_op_mode: ConvTensorOpsMode
        def __init__(self, num_dims: _Optional[int] = ..., out_channels: _Optional[int] = ..., kernel_size: _Optional[_Iterable[int]] = ..., stride: _Optional[_Iterable[int]] = ..., padding: _Optional[_Iterable[int]] = ..., output_padding: _Optional[_Iterable[int]] = ..., groups: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., has_bias: _Optional[_Union[_wrappers_pb2.BoolValue, _Mapping]] = ..., dilation: _Optional[_Iterable[int]] = ..., conv_tensor_op_mode: _Optional[_Union[ConvTensorOpsMode, str]] = ...) -> None: ...
    class Embedding(_message.Message):
        __slots__ = ("num_embeddings", "embedding_dim", "padding_idx")
        NUM_EMBEDDINGS_FIELD_NUMBER: _ClassVar[int]
        EMBEDDING_DIM_FIELD_NUMBER: _ClassVar[int]
        PADDING_IDX_FIELD_NUMBER: _ClassVar[int]
        num_embeddings: int
        embedding_dim: int
        padding_idx: _wrappers_pb2.Int64Value
        def __init__(self, num_embeddings: _Optional[int] = ..., embedding_dim: _Optional[int] = ..., padding_idx: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ...) -> None: ...
    class ChannelwiseScaleBias(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class EntrywiseScaleBias(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class ChannelwiseFullyConnected(_message.Message):
        __slots__ = ("output_channel_dims", "bias", "transpose")
        OUTPUT_CHANNEL_DIMS_FIELD_NUMBER: _ClassVar[int]
        BIAS_FIELD_NUMBER: _ClassVar[int]
        TRANSPOSE_FIELD_NUMBER: _ClassVar[int]
        output_channel_dims: _containers.RepeatedScalarFieldContainer[int]
        bias: _wrappers_pb2.BoolValue
        transpose: _wrappers_pb2.BoolValue
        def __init__(self, output_channel_dims: _Optional[_Iterable[int]] = ..., bias: _Optional[_Union[_wrappers_pb2.BoolValue, _Mapping]] = ..., transpose: _Optional[_Union[_wrappers_pb2.BoolValue, _Mapping]] = ...) -> None: ...
    class GRU(_message.Message):
        __slots__ = ("hidden_size", "num_layers")
        HIDDEN_SIZE_FIELD_NUMBER: _ClassVar[int]
        NUM_LAYERS_FIELD_NUMBER: _ClassVar[int]
        hidden_size: int
        num_layers: _wrappers_pb2.UInt64Value
        def __init__(self, hidden_size: _Optional[int] = ..., num_layers: _Optional[_Union[_wrappers_pb2.UInt64Value, _Mapping]] = ...) -> None: ...
    class CrossEntropy(_message.Message):
        __slots__ = ("use_labels",)
        USE_LABELS_FIELD_NUMBER: _ClassVar[int]
        use_labels: bool
        def __init__(self, use_labels: _Optional[bool] = ...) -> None: ...
    class MeanSquaredError(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class MeanAbsoluteError(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class CategoricalAccuracy(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class TopKCategoricalAccuracy(_message.Message):
        __slots__ = ("k",)
        K_FIELD_NUMBER: _ClassVar[int]
        k: int
        def __init__(self, k: _Optional[int] = ...) -> None: ...
    class L2Norm2(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class L1Norm(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class MatMul(_message.Message):
        __slots__ = ("transpose_a", "transpose_b")
        TRANSPOSE_A_FIELD_NUMBER: _ClassVar[int]
        TRANSPOSE_B_FIELD_NUMBER: _ClassVar[int]
        transpose_a: bool
        transpose_b: bool
        def __init__(self, transpose_a: _Optional[bool] = ..., transpose_b: _Optional[bool] = ...) -> None: ...
    class BatchNormalization(_message.Message):
        __slots__ = ("decay", "scale_init", "bias_init", "epsilon", "stats_aggregation", "statistics_group_size", "no_bessel_correction")
        DECAY_FIELD_NUMBER: _ClassVar[int]
        SCALE_INIT_FIELD_NUMBER: _ClassVar[int]
        BIAS_INIT_FIELD_NUMBER: _ClassVar[int]
        EPSILON_FIELD_NUMBER: _ClassVar[int]
        STATS_AGGREGATION_FIELD_NUMBER: _ClassVar[int]
        STATISTICS_GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
        NO_BESSEL_CORRECTION_FIELD_NUMBER: _ClassVar[int]
        decay: float
        scale_init: float
        bias_init: float
        epsilon: float
        stats_aggregation: str
        statistics_group_size: int
        no_bessel_correction: bool
        def __init__(self, decay: _Optional[float] = ..., scale_init: _Optional[float] = ..., bias_init: _Optional[float] = ..., epsilon: _Optional[float] = ..., stats_aggregation: _Optional[str] = ..., statistics_group_size: _Optional[int] = ..., no_bessel_correction: _Optional[bool] = ...) -> None: ...
    class EntrywiseBatchNormalization(_message.Message):
        __slots__ = ("decay", "epsilon")
        DECAY_FIELD_NUMBER: _ClassVar[int]
        EPSILON_FIELD_NUMBER: _ClassVar[int]
        decay: float
        epsilon: float
        def __init__(self, decay: _Optional[float] = ..., epsilon: _Optional[float] = ...) -> None: ...
    class SeluDropout(_message.Message):
        __slots__ = ("keep_prob", "alpha", "scale")
        KEEP_PROB_FIELD_NUMBER: _ClassVar[int]
        ALPHA_FIELD_NUMBER: _ClassVar[int]
        SCALE_FIELD_NUMBER: _ClassVar[int]
        keep_prob: float
        alpha: float
        scale: float
        def __init__(self, keep_prob: _Optional[float] = ..., alpha: _Optional[float] = ..., scale: _Optional[float] = ...) -> None: ...
    class LocalResponseNormalization(_message.Message):
        __slots__ = ("window_width", "lrn_alpha", "lrn_beta", "lrn_k")
        WINDOW_WIDTH_FIELD_NUMBER: _ClassVar[int]
        LRN_ALPHA_FIELD_NUMBER: _ClassVar[int]
        LRN_BETA_FIELD_NUMBER: _ClassVar[int]
        LRN_K_FIELD_NUMBER: _ClassVar[int]
        window_width: int
        lrn_alpha: float
        lrn_beta: float
        lrn_k: float
        def __init__(self, window_width: _Optional[int] = ..., lrn_alpha: _Optional[float] = ..., lrn_beta: _Optional[float] = ..., lrn_k: _Optional[float] = ...) -> None: ...
    class Dropout(_message.Message):
        __slots__ = ("keep_prob",)
        KEEP_PROB_FIELD_NUMBER: _ClassVar[int]
        keep_prob: float
        def __init__(self, keep_prob: _Optional[float] = ...) -> None: ...
    class LayerNorm(_message.Message):
        __slots__ = ("epsilon", "scale", "bias", "start_dim")
        EPSILON_FIELD_NUMBER: _ClassVar[int]
        SCALE_FIELD_NUMBER: _ClassVar[int]
        BIAS_FIELD_NUMBER: _ClassVar[int]
        START_DIM_FIELD_NUMBER: _ClassVar[int]
        epsilon: _wrappers_pb2.DoubleValue
        scale: bool
        bias: bool
        start_dim: int
        def __init__(self, epsilon: _Optional[_Union[_wrappers_pb2.DoubleValue, _Mapping]] = ..., scale: _Optional[bool] = ..., bias: _Optional[bool] = ..., start_dim: _Optional[int] = ...) -> None: ...
    class InstanceNorm(_message.Message):
        __slots__ = ("epsilon",)
        EPSILON_FIELD_NUMBER: _ClassVar[int]
        epsilon: _wrappers_pb2.DoubleValue
        def __init__(self, epsilon: _Optional[_Union[_wrappers_pb2.DoubleValue, _Mapping]] = ...) -> None: ...
    class Elu(_message.Message):
        __slots__ = ("alpha",)
        ALPHA_FIELD_NUMBER: _ClassVar[int]
        alpha: float
        def __init__(self, alpha: _Optional[float] = ...) -> None: ...
    class Identity(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class LeakyRelu(_message.Message):
        __slots__ = ("negative_slope",)
        NEGATIVE_SLOPE_FIELD_NUMBER: _ClassVar[int]
        negative_slope: float
        def __init__(self, negative_slope: _Optional[float] = ...) -> None: ...
    class LogSoftmax(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Relu(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Softmax(_message.Message):
        __slots__ = ("softmax_mode",)
        SOFTMAX_MODE_FIELD_NUMBER: _ClassVar[int]
        softmax_mode: str
        def __init__(self, softmax_mode: _Optional[str] = ...) -> None: ...
    class BilinearResize(_message.Message):
        __slots__ = ("height", "width")
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        height: int
        width: int
        def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ...) -> None: ...
    class Covariance(_message.Message):
        __slots__ = ("biased",)
        BIASED_FIELD_NUMBER: _ClassVar[int]
        biased: bool
        def __init__(self, biased: _Optional[bool] = ...) -> None: ...
    class Variance(_message.Message):
        __slots__ = ("biased",)
        BIASED_FIELD_NUMBER: _ClassVar[int]
        biased: bool
        def __init__(self, biased: _Optional[bool] = ...) -> None: ...
    class ChannelwiseMean(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class MiniBatchIndex(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class MiniBatchSize(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Argmax(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Argmin(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class OneHot(_message.Message):
        __slots__ = ("size",)
        SIZE_FIELD_NUMBER: _ClassVar[int]
        size: int
        def __init__(self, size: _Optional[int] = ...) -> None: ...
    class ChannelwiseSoftmax(_message.Message):
        __slots__ = ("dim", "single_dim_mode")
        DIM_FIELD_NUMBER: _ClassVar[int]
        SINGLE_DIM_MODE_FIELD_NUMBER: _ClassVar[int]
        dim: int
        single_dim_mode: bool
        def __init__(self, dim: _Optional[int] = ..., single_dim_mode: _Optional[bool] = ...) -> None: ...
    NAME_FIELD_NUMBER: _ClassVar[int]
    PARENTS_FIELD_NUMBER: _ClassVar[int]
    CHILDREN_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    DATATYPE_FIELD_NUMBER: _ClassVar[int]
    HINT_LAYER_FIELD_NUMBER: _ClassVar[int]
    DATA_LAYOUT_FIELD_NUMBER: _ClassVar[int]
    PARALLEL_STRATEGY_FIELD_NUMBER: _ClassVar[int]
    GRID_TAG_FIELD_NUMBER: _ClassVar[int]
    FREEZE_FIELD_NUMBER: _ClassVar[int]
    INPUT_FIELD_NUMBER: _ClassVar[int]
    OPERATOR_LAYER_FIELD_NUMBER: _ClassVar[int]
    RESHAPE_FIELD_NUMBER: _ClassVar[int]
    POOLING_FIELD_NUMBER: _ClassVar[int]
    CONCATENATION_FIELD_NUMBER: _ClassVar[int]
    SLICE_FIELD_NUMBER: _ClassVar[int]
    SPLIT_FIELD_NUMBER: _ClassVar[int]
    SUM_FIELD_NUMBER: _ClassVar[int]
    WEIGHTED_SUM_FIELD_NUMBER: _ClassVar[int]
    UNPOOLING_FIELD_NUMBER: _ClassVar[int]
    HADAMARD_FIELD_NUMBER: _ClassVar[int]
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    REDUCTION_FIELD_NUMBER: _ClassVar[int]
    EVALUATION_FIELD_NUMBER: _ClassVar[int]
    GAUSSIAN_FIELD_NUMBER: _ClassVar[int]
    BERNOULLI_FIELD_NUMBER: _ClassVar[int]
    UNIFORM_FIELD_NUMBER: _ClassVar[int]
    CROP_FIELD_NUMBER: _ClassVar[int]
    DUMMY_FIELD_NUMBER: _ClassVar[int]
    STOP_GRADIENT_FIELD_NUMBER: _ClassVar[int]
    IN_TOP_K_FIELD_NUMBER: _ClassVar[int]
    SORT_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_LAYER_FIELD_NUMBER: _ClassVar[int]
    TESSELLATE_FIELD_NUMBER: _ClassVar[int]
    SCATTER_FIELD_NUMBER: _ClassVar[int]
    GATHER_FIELD_NUMBER: _ClassVar[int]
    BATCHWISE_REDUCE_SUM_FIELD_NUMBER: _ClassVar[int]
    PERMUTE_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_ZERO_FIELD_NUMBER: _ClassVar[int]
    MULTIDIM_REDUCTION_FIELD_NUMBER: _ClassVar[int]
    UPSAMPLE_FIELD_NUMBER: _ClassVar[int]
    FULLY_CONNECTED_FIELD_NUMBER: _ClassVar[int]
    CONVOLUTION_FIELD_NUMBER: _ClassVar[int]
    DECONVOLUTION_FIELD_NUMBER: _ClassVar[int]
    EMBEDDING_FIELD_NUMBER: _ClassVar[int]
    CHANNELWISE_SCALE_BIAS_FIELD_NUMBER: _ClassVar[int]
    ENTRYWISE_SCALE_BIAS_FIELD_NUMBER: _ClassVar[int]
    CHANNELWISE_FULLY_CONNECTED_FIELD_NUMBER: _ClassVar[int]
    GRU_FIELD_NUMBER: _ClassVar[int]
    CROSS_ENTROPY_FIELD_NUMBER: _ClassVar[int]
    MEAN_SQUARED_ERROR_FIELD_NUMBER: _ClassVar[int]
    MEAN_ABSOLUTE_ERROR_FIELD_NUMBER: _ClassVar[int]
    CATEGORICAL_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    TOP_K_CATEGORICAL_ACCURACY_FIELD_NUMBER: _ClassVar[int]
    L2_NORM2_FIELD_NUMBER: _ClassVar[int]
    L1_NORM_FIELD_NUMBER: _ClassVar[int]
    MATMUL_FIELD_NUMBER: _ClassVar[int]
    BATCH_NORMALIZATION_FIELD_NUMBER: _ClassVar[int]
    LOCAL_RESPONSE_NORMALIZATION_FIELD_NUMBER: _ClassVar[int]
    DROPOUT_FIELD_NUMBER: _ClassVar[int]
    SELU_DROPOUT_FIELD_NUMBER: _ClassVar[int]
    ENTRYWISE_BATCH_NORMALIZATION_FIELD_NUMBER: _ClassVar[int]
    LAYER_NORM_FIELD_NUMBER: _ClassVar[int]
    INSTANCE_NORM_FIELD_NUMBER: _ClassVar[int]
    ELU_FIELD_NUMBER: _ClassVar[int]
    IDENTITY_FIELD_NUMBER: _ClassVar[int]
    LEAKY_RELU_FIELD_NUMBER: _ClassVar[int]
    LOG_SOFTMAX_FIELD_NUMBER: _ClassVar[int]
    RELU_FIELD_NUMBER: _ClassVar[int]
    SOFTMAX_FIELD_NUMBER: _ClassVar[int]
    BILINEAR_RESIZE_FIELD_NUMBER: _ClassVar[int]
    COVARIANCE_FIELD_NUMBER: _ClassVar[int]
    VARIANCE_FIELD_NUMBER: _ClassVar[int]
    CHANNELWISE_MEAN_FIELD_NUMBER: _ClassVar[int]
    MINI_BATCH_INDEX_FIELD_NUMBER: _ClassVar[int]
    MINI_BATCH_SIZE_FIELD_NUMBER: _ClassVar[int]
    ARGMAX_FIELD_NUMBER: _ClassVar[int]
    ARGMIN_FIELD_NUMBER: _ClassVar[int]
    ONE_HOT_FIELD_NUMBER: _ClassVar[int]
    CHANNELWISE_SOFTMAX_FIELD_NUMBER: _ClassVar[int]
    name: str
    parents: _containers.RepeatedScalarFieldContainer[str]
    children: _containers.RepeatedScalarFieldContainer[str]
    weights: _containers.RepeatedScalarFieldContainer[str]
    device_allocation: str
    datatype: DataType
    hint_layer: str
    data_layout: str
    parallel_strategy: ParallelStrategy
    grid_tag: _wrappers_pb2.Int64Value
    freeze: bool
    input: Layer.Input
    operator_layer: Layer.OperatorLayer
    reshape: Layer.Reshape
    pooling: Layer.Pooling
    concatenation: Layer.Concatenation
    slice: Layer.Slice
    split: Layer.Split
    sum: Layer.Sum
    weighted_sum: Layer.WeightedSum
    unpooling: Layer.Unpooling
    hadamard: Layer.Hadamard
    constant: Layer.Constant
    reduction: Layer.Reduction
    evaluation: Layer.Evaluation
    gaussian: Layer.Gaussian
    bernoulli: Layer.Bernoulli
    uniform: Layer.Uniform
    crop: Layer.Crop
    dummy: Layer.Dummy
    stop_gradient: Layer.StopGradient
    in_top_k: Layer.InTopK
    sort: Layer.Sort
    weights_layer: Layer.WeightsLayer
    tessellate: Layer.Tessellate
    scatter: Layer.Scatter
    gather: Layer.Gather
    batchwise_reduce_sum: Layer.BatchwiseReduceSum
    permute: Layer.TensorPermute
    identity_zero: Layer.IdentityZero
    multidim_reduction: Layer.MultiDimReduction
    upsample: Layer.Upsample
    fully_connected: Layer.FullyConnected
    convolution: Layer.Convolution
    deconvolution: Layer.Deconvolution
    embedding: Layer.Embedding
    channelwise_scale_bias: Layer.ChannelwiseScaleBias
    entrywise_scale_bias: Layer.EntrywiseScaleBias
    channelwise_fully_connected: Layer.ChannelwiseFullyConnected
    gru: Layer.GRU
    cross_entropy: Layer.CrossEntropy
    mean_squared_error: Layer.MeanSquaredError
    mean_absolute_error: Layer.MeanAbsoluteError
    categorical_accuracy: Layer.CategoricalAccuracy
    top_k_categorical_accuracy: Layer.TopKCategoricalAccuracy
    l2_norm2: Layer.L2Norm2
    l1_norm: Layer.L1Norm
    matmul: Layer.MatMul
    batch_normalization: Layer.BatchNormalization
    local_response_normalization: Layer.LocalResponseNormalization
    dropout: Layer.Dropout
    selu_dropout: Layer.SeluDropout
    entrywise_batch_normalization: Layer.EntrywiseBatchNormalization
    layer_norm: Layer.LayerNorm
    instance_norm: Layer.InstanceNorm
    elu: Layer.Elu
    identity: Layer.Identity
    leaky_relu: Layer.LeakyRelu
    log_softmax: Layer.LogSoftmax
    relu: Layer.Relu
    softmax: Layer.Softmax
    bilinear_resize: Layer.BilinearResize
    covariance: Layer.Covariance
    variance: Layer.Variance
    channelwise_mean: Layer.ChannelwiseMean
    mini_batch_index: Layer.MiniBatchIndex
    mini_batch_size: Layer.MiniBatchSize
    argmax: Layer.Argmax
    argmin: Layer.Argmin
    one_hot: Layer.OneHot
    channelwise_softmax: Layer.ChannelwiseSoftmax
    def __init__(self, name: _Optional[str] = ..., parents: _Optional[_Iterable[str]] = ..., children: _Optional[_Iterable[str]] = ..., weights: _Optional[_Iterable[str]] = ..., device_allocation: _Optional[str] = ..., datatype: _Optional[_Union[DataType, str]] = ..., hint_layer: _Optional[str] = ..., data_layout: _Optional[str] = ..., parallel_strategy: _Optional[_Union[ParallelStrategy, _Mapping]] = ..., grid_tag: _Optional[_Union[_wrappers_pb2.Int64Value, _Mapping]] = ..., freeze: _Optional[bool] = ..., input: _Optional[_Union[Layer.Input, _Mapping]] = ..., operator_layer: _Optional[_Union[Layer.OperatorLayer, _Mapping]] = ..., reshape: _Optional[_Union[Layer.Reshape, _Mapping]] = ..., pooling: _Optional[_Union[Layer.Pooling, _Mapping]] = ..., concatenation: _Optional[_Union[Layer.Concatenation, _Mapping]] = ..., slice: _Optional[_Union[Layer.Slice, _Mapping]] = ..., split: _Optional[_Union[Layer.Split, _Mapping]] = ..., sum: _Optional[_Union[Layer.Sum, _Mapping]] = ..., weighted_sum: _Optional[_Union[Layer.WeightedSum, _Mapping]] = ..., unpooling: _Optional[_Union[Layer.Unpooling, _Mapping]] = ..., hadamard: _Optional[_Union[Layer.Hadamard, _Mapping]] = ..., constant: _Optional[_Union[Layer.Constant, _Mapping]] = ..., reduction: _Optional[_Union[Layer.Reduction, _Mapping]] = ..., evaluation: _Optional[_Union[Layer.Evaluation, _Mapping]] = ..., gaussian: _Optional[_Union[Layer.Gaussian, _Mapping]] = ..., bernoulli: _Optional[_Union[Layer.Bernoulli, _Mapping]] = ..., uniform: _Optional[_Union[Layer.Uniform, _Mapping]] = ..., crop: _Optional[_Union[Layer.Crop, _Mapping]] = ..., dummy: _Optional[_Union[Layer.Dummy, _Mapping]] = ..., stop_gradient: _Optional[_Union[Layer.StopGradient, _Mapping]] = ..., in_top_k: _Optional[_Union[Layer.InTopK, _Mapping]] = ..., sort: _Optional[_Union[Layer.Sort, _Mapping]] = ..., weights_layer: _Optional[_Union[Layer.WeightsLayer, _Mapping]] = ..., tessellate: _Optional[_Union[Layer.Tessellate, _Mapping]] = ..., scatter: _Optional[_Union[Layer.Scatter, _Mapping]] = ..., gather: _Optional[_Union[Layer.Gather, _Mapping]] = ..., batchwise_reduce_sum: _Optional[_Union[Layer.BatchwiseReduceSum, _Mapping]] = ..., permute: _Optional[_Union[Layer.TensorPermute, _Mapping]] = ..., identity_zero: _Optional[_Union[Layer.IdentityZero, _Mapping]] = ..., multidim_reduction: _Optional[_Union[Layer.MultiDimReduction, _Mapping]] = ..., upsample: _Optional[_Union[Layer.Upsample, _Mapping]] = ..., fully_connected: _Optional[_Union[Layer.FullyConnected, _Mapping]] = ..., convolution: _Optional[_Union[Layer.Convolution, _Mapping]] = ..., deconvolution: _Optional[_Union[Layer.Deconvolution, _Mapping]] = ..., embedding: _Optional[_Union[Layer.Embedding, _Mapping]] = ..., channelwise_scale_bias: _Optional[_Union[Layer.ChannelwiseScaleBias, _Mapping]] = ..., entrywise_scale_bias: _Optional[_Union[Layer.EntrywiseScaleBias, _Mapping]] = ..., channelwise_fully_connected: _Optional[_Union[Layer.ChannelwiseFullyConnected, _Mapping]] = ..., gru: _Optional[_Union[Layer.GRU, _Mapping]] = ..., cross_entropy: _Optional[_Union[Layer.CrossEntropy, _Mapping]] = ..., mean_squared_error: _Optional[_Union[Layer.MeanSquaredError, _Mapping]] = ..., mean_absolute_error: _Optional[_Union[Layer.MeanAbsoluteError, _Mapping]] = ..., categorical_accuracy: _Optional[_Union[Layer.CategoricalAccuracy, _Mapping]] = ..., top_k_categorical_accuracy: _Optional[_Union[Layer.TopKCategoricalAccuracy, _Mapping]] = ..., l2_norm2: _Optional[_Union[Layer.L2Norm2, _Mapping]] = ..., l1_norm: _Optional[_Union[Layer.L1Norm, _Mapping]] = ..., matmul: _Optional[_Union[Layer.MatMul, _Mapping]] = ..., batch_normalization: _Optional[_Union[Layer.BatchNormalization, _Mapping]] = ..., local_response_normalization: _Optional[_Union[Layer.LocalResponseNormalization, _Mapping]] = ..., dropout: _Optional[_Union[Layer.Dropout, _Mapping]] = ..., selu_dropout: _Optional[_Union[Layer.SeluDropout, _Mapping]] = ..., entrywise_batch_normalization: _Optional[_Union[Layer.EntrywiseBatchNormalization, _Mapping]] = ..., layer_norm: _Optional[_Union[Layer.LayerNorm, _Mapping]] = ..., instance_norm: _Optional[_Union[Layer.InstanceNorm, _Mapping]] = ..., elu: _Optional[_Union[Layer.Elu, _Mapping]] = ..., identity: _Optional[_Union[Layer.Identity, _Mapping]] = ..., leaky_relu: _Optional[_Union[Layer.LeakyRelu, _Mapping]] = ..., log_softmax: _Optional[_Union[Layer.LogSoftmax, _Mapping]] = ..., relu: _Optional[_Union[Layer.Relu, _Mapping]] = ..., softmax: _Optional[_Union[Layer.Softmax, _Mapping]] = ..., bilinear_resize: _Optional[_Union[Layer.BilinearResize, _Mapping]] = ..., covariance: _Optional[_Union[Layer.Covariance, _Mapping]] = ..., variance: _Optional[_Union[Layer.Variance, _Mapping]] = ..., channelwise_mean: _Optional[_Union[Layer.ChannelwiseMean, _Mapping]] = ..., mini_batch_index: _Optional[_Union[Layer.MiniBatchIndex, _Mapping]] = ..., mini_batch_size: _Optional[_Union[Layer.MiniBatchSize, _Mapping]] = ..., argmax: _Optional[_Union[Layer.Argmax, _Mapping]] = ..., argmin: _Optional[_Union[Layer.Argmin, _Mapping]] = ..., one_hot: _Optional[_Union[Layer.OneHot, _Mapping]] = ..., channelwise_softmax: _Optional[_Union[Layer.ChannelwiseSoftmax, _Mapping]] = ...) -> None: ...

class Operator(_message.Message):
    __slots__ = ("input_datatype", "output_datatype", "device_allocation", "parameters")
    INPUT_DATATYPE_FIELD_NUMBER: _ClassVar[int]
    OUTPUT_DATATYPE_FIELD_NUMBER: _ClassVar[int]
    DEVICE_ALLOCATION_FIELD_NUMBER: _ClassVar[int]
    PARAMETERS_FIELD_NUMBER: _ClassVar[int]
    input_datatype: DataType
    output_datatype: DataType
    device_allocation: DeviceAllocation
    parameters: _any_pb2.Any
    def __init__(self, input_datatype: _Optional[_Union[DataType, str]] = ..., output_datatype: _Optional[_Union[DataType, str]] = ..., device_allocation: _Optional[_Union[DeviceAllocation, str]] = ..., parameters: _Optional[_Union[_any_pb2.Any, _Mapping]] = ...) -> None: ...

class ClampOperator(_message.Message):
    __slots__ = ("min", "max")
    MIN_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    min: float
    max: float
    def __init__(self, min: _Optional[float] = ..., max: _Optional[float] = ...) -> None: ...

class LogicalNotOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AbsOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NegativeOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SignOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RoundOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CeilOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class FloorOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ReciprocalOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SquareOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SqrtOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class RsqrtOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SafeReciprocalOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ExpOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Expm1Operator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Log1pOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CosOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SinOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TanOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AcosOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AsinOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AtanOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CoshOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SinhOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class TanhOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AcoshOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AsinhOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AtanhOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ErfOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ErfInvOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GeluOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class AddOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SubtractOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MultiplyOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class DivideOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class ModOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class PowOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SafeDivideOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SquaredDifferenceOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MaxOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class MinOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class EqualOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class NotEqualOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LessOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LessEqualOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GreaterOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class GreaterEqualOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogicalAndOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogicalOrOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogicalXorOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SelectOperator(_message.Message):
    __slots__ = ("value", "constant_if_true", "constant_if_false", "value_if_true", "value_if_false", "epsilon")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    CONSTANT_IF_TRUE_FIELD_NUMBER: _ClassVar[int]
    CONSTANT_IF_FALSE_FIELD_NUMBER: _ClassVar[int]
    VALUE_IF_TRUE_FIELD_NUMBER: _ClassVar[int]
    VALUE_IF_FALSE_FIELD_NUMBER: _ClassVar[int]
    EPSILON_FIELD_NUMBER: _ClassVar[int]
    value: float
    constant_if_true: bool
    constant_if_false: bool
    value_if_true: float
    value_if_false: float
    epsilon: float
    def __init__(self, value: _Optional[float] = ..., constant_if_true: _Optional[bool] = ..., constant_if_false: _Optional[bool] = ..., value_if_true: _Optional[float] = ..., value_if_false: _Optional[float] = ..., epsilon: _Optional[float] = ...) -> None: ...

class AddConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class ScaleOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class SubtractConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class ConstantSubtractOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class MaxConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class MinConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class NotEqualConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class EqualConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class LessEqualConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class LessConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class GreaterEqualConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class GreaterConstantOperator(_message.Message):
    __slots__ = ("constant",)
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    constant: float
    def __init__(self, constant: _Optional[float] = ...) -> None: ...

class LogSigmoidOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class LogSoftmaxOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SeluOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SigmoidOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SoftplusOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SoftsignOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BinaryCrossEntropyOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class SigmoidBinaryCrossEntropyOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BooleanAccuracyOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BooleanFalseNegativeOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class BooleanFalsePositiveOperator(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class Callback(_message.Message):
    __slots__ = ("print", "timer", "summary", "dump_weights", "dump_outputs", "dump_gradients", "debug", "adaptive_learning_rate", "step_learning_rate", "check_small", "check_nan", "drop_fixed_learning_rate", "linear_growth_learning_rate", "profiler", "step_minibatch", "check_gradients", "minibatch_schedule", "optimizerwise_adaptive_learning_rate", "checkpoint", "save_model", "poly_learning_rate", "gpu_memory_usage", "confusion_matrix", "check_metric", "save_topk_models", "init", "early_stopping", "timeline", "print_model_description", "load_model", "set_weights_value", "dump_model_graph", "export_onnx", "set_learning_rate", "progress_bar", "cosine_decay_learning_rate", "clip_gradient_norm", "evaluate_progress")
    class CallbackPrint(_message.Message):
        __slots__ = ("interval", "print_global_stat_only")
        INTERVAL_FIELD_NUMBER: _ClassVar[int]
        PRINT_GLOBAL_STAT_ONLY_FIELD_NUMBER: _ClassVar[int]
        interval: int
        print_global_stat_only: bool
        def __init__(self, interval: _Optional[int] = ..., print_global_stat_only: _Optional[bool] = ...) -> None: ...
    class CallbackTimer(_message.Message):
        __slots__ = ("skip_steps",)
        SKIP_STEPS_FIELD_NUMBER: _ClassVar[int]
        skip_steps: int
        def __init__(self, skip_steps: _Optional[int] = ...) -> None: ...
    class CallbackSummary(_message.Message):
        __slots__ = ("batch_interval", "mat_interval")
        BATCH_INTERVAL_FIELD_NUMBER: _ClassVar[int]
        MAT_INTERVAL_FIELD_NUMBER: _ClassVar[int]
        batch_interval: int
        mat_interval: int
        def __init__(self, batch_interval: _Optional[int] = ..., mat_interval: _Optional[int] = ...) -> None: ...
    class CallbackProfiler(_message.Message):
        __slots__ = ("sync", "skip_init")
        SYNC_FIELD_NUMBER: _ClassVar[int]
        SKIP_INIT_FIELD_NUMBER: _ClassVar[int]
        sync: bool
        skip_init: bool
        def __init__(self, sync: _Optional[bool] = ..., skip_init: _Optional[bool] = ...) -> None: ...
    class CallbackGPUMemoryUsage(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class CallbackTimeline(_message.Message):
        __slots__ = ("directory",)
        DIRECTORY_FIELD_NUMBER: _ClassVar[int]
        directory: str
        def __init__(self, directory: _Optional[str] = ...) -> None: ...
    class CallbackPrintModelDescription(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class CallbackDumpModelGraph(_message.Message):
        __slots__ = ("basename", "print")
        BASENAME_FIELD_NUMBER: _ClassVar[int]
        PRINT_FIELD_NUMBER: _ClassVar[int]
        basename: str
        print: bool
        def __init__(self, basename: _Optional[str] = ..., print: _Optional[bool] = ...) -> None: ...
    class CallbackProgressBar(_message.Message):
        __slots__ = ("interval", "newline_interval", "print_mem_usage", "moving_average_length", "bar_width", "scientific_notation")
        INTERVAL_FIELD_NUMBER: _ClassVar[int]
        NEWLINE_INTERVAL_FIELD_NUMBER: _ClassVar[int]
        PRINT_MEM_USAGE_FIELD_NUMBER: _ClassVar[int]
        MOVING_AVERAGE_LENGTH_FIELD_NUMBER: _ClassVar[int]
        BAR_WIDTH_FIELD_NUMBER: _ClassVar[int]
        SCIENTIFIC_NOTATION_FIELD_NUMBER: _ClassVar[int]
        interval: int
        newline_interval: int
        print_mem_usage: bool
        moving_average_length: int
        bar_width: int
        scientific_notation: bool
        def __init__(self, interval: _Optional[int] = ..., newline_interval: _Optional[int] = ..., print_mem_usage: _Optional[bool] = ..., moving_average_length: _Optional[int] = ..., bar_width: _Optional[int] = ..., scientific_notation: _Optional[bool] = ...) -> None: ...
    class CallbackConfusionMatrix(_message.Message):
        __slots__ = ("prediction", "label", "prefix")
        PREDICTION_FIELD_NUMBER: _ClassVar[int]
        LABEL_FIELD_NUMBER: _ClassVar[int]
        PREFIX_FIELD_NUMBER: _ClassVar[int]
        prediction: str
        label: str
        prefix: str
        def __init__(self, prediction: _Optional[str] = ..., label: _Optional[str] = ..., prefix: _Optional[str] = ...) -> None: ...
    class CallbackEvaluateProgress(_message.Message):
        __slots__ = ("batch_interval", "metric")
        BATCH_INTERVAL_FIELD_NUMBER: _ClassVar[int]
        METRIC_FIELD_NUMBER: _ClassVar[int]
        batch_interval: int
        metric: str
        def __init__(self, batch_interval: _Optional[int] = ..., metric: _Optional[str] = ...) -> None: ...
    class CallbackDumpWeights(_message.Message):
        __slots__ = ("directory", "epoch_interval", "format")
        DIRECTORY_FIELD_NUMBER: _ClassVar[int]
        EPOCH_INTERVAL_FIELD_NUMBER: _ClassVar[int]
        FORMAT_FIELD_NUMBER: _ClassVar[int]
        directory: str
        epoch_interval: int
        format: str
        def __init__(self, directory: _Optional[str] = ..., epoch_interval: _Optional[int] = ..., format: _Optional[str] = ...) -> None: ...
    class CallbackDumpOutputs(_message.Message):
        __slots__ = ("layers", "execution_modes", "batch_interval", "directory", "format")
        LAYERS_FIELD_NUMBER: _ClassVar[int]
        EXECUTION_MODES_FIELD_NUMBER: _ClassVar[int]
        BATCH_INTERVAL_FIELD_NUMBER: _ClassVar[int]
        DIRECTORY_FIELD_NUMBER: _ClassVar[int]
        FORMAT_FIELD_NUMBER: _ClassVar[int]
        layers: str
        execution_modes: str
        batch_interval: int
        directory: str
        format: str
        def __init__(self, layers: _Optional[str] = ..., execution_modes: _Optional[str] = ..., batch_interval: _Optional[int] = ..., directory: _Optional[str] = ..., format: _Optional[str] = ...) -> None: ...
    class CallbackDumpGradients(_message.Message):
        __slots__ = ("basename", "interval")
        BASENAME_FIELD_NUMBER: _ClassVar[int]
        INTERVAL_FIELD_NUMBER: _ClassVar[int]
        basename: str
        interval: int
        def __init__(self, basename: _Optional[str] = ..., interval: _Optional[int] = ...) -> None: ...
    class CallbackDebug(_message.Message):
        __slots__ = ("phase",)
        PHASE_FIELD_NUMBER: _ClassVar[int]
        phase: str
        def __init__(self, phase: _Optional[str] = ...) -> None: ...
    class CallbackCheckSmall(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class CallbackCheckNaN(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class CallbackCheckInit(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class CallbackCheckGradients(_message.Message):
        __slots__ = ("step_size", "verbose", "error_on_failure", "execution_modes")
        STEP_SIZE_FIELD_NUMBER: _ClassVar[int]
        VERBOSE_FIELD_NUMBER: _ClassVar[int]
        ERROR_ON_FAILURE_FIELD_NUMBER: _ClassVar[int]
        EXECUTION_MODES_FIELD_NUMBER: _ClassVar[int]
        step_size: float
        verbose: bool
        error_on_failure: bool
        execution_modes: str
        def __init__(self, step_size: _Optional[float] = ..., verbose: _Optional[bool] = ..., error_on_failure: _Optional[bool] = ..., execution_modes: _Optional[str] = ...) -> None: ...
    class CallbackCheckMetric(_message.Message):
        __slots__ = ("metric", "lower_bound", "upper_bound", "error_on_failure", "execution_modes")
        METRIC_FIELD_NUMBER: _ClassVar[int]
        LOWER_BOUND_FIELD_NUMBER: _ClassVar[int]
        UPPER_BOUND_FIELD_NUMBER: _ClassVar[int]
        ERROR_ON_FAILURE_FIELD_NUMBER: _ClassVar[int]
        EXECUTION_MODES_FIELD_NUMBER: _ClassVar[int]
        metric: str
        lower_bound: float
        upper_bound: float
        error_on_failure: bool
        execution_modes: str
        def __init__(self, metric: _Optional[str] = ..., lower_bound: _Optional[float] = ..., upper_bound: _Optional[float] = ..., error_on_failure: _Optional[bool] = ..., execution_modes: _Optional[str] = ...) -> None: ...
    class CallbackCheckpoint(_message.Message):
        __slots__ = ("checkpoint_dir", "checkpoint_epochs", "checkpoint_steps", "checkpoint_secs", "per_rank_dir", "ckpt_dist_epochs", "ckpt_dist_steps", "restart_dir")
        CHECKPOINT_DIR_FIELD_NUMBER: _ClassVar[int]
        CHECKPOINT_EPOCHS_FIELD_NUMBER: _ClassVar[int]
        CHECKPOINT_STEPS_FIELD_NUMBER: _ClassVar[int]
        CHECKPOINT_SECS_FIELD_NUMBER: _ClassVar[int]
        PER_RANK_DIR_FIELD_NUMBER: _ClassVar[int]
        CKPT_DIST_EPOCHS_FIELD_NUMBER: _ClassVar[int]
        CKPT_DIST_STEPS_FIELD_NUMBER: _ClassVar[int]
        RESTART_DIR_FIELD_NUMBER: _ClassVar[int]
        checkpoint_dir: str
        checkpoint_epochs: int
        checkpoint_steps: int
        checkpoint_secs: float
        per_rank_dir: str
        ckpt_dist_epochs: int
        ckpt_dist_steps: int
        restart_dir: str
        def __init__(self, checkpoint_dir: _Optional[str] = ..., checkpoint_epochs: _Optional[int] = ..., checkpoint_steps: _Optional[int] = ..., checkpoint_secs: _Optional[float] = ..., per_rank_dir: _Optional[str] = ..., ckpt_dist_epochs: _Optional[int] = ..., ckpt_dist_steps: _Optional[int] = ..., restart_dir: _Optional[str] = ...) -> None: ...
    class CallbackSaveModel(_message.Message):
        __slots__ = ("dir", "extension", "disable_save_after_training")
        DIR_FIELD_NUMBER: _ClassVar[int]
        EXTENSION_FIELD_NUMBER: _ClassVar[int]
        DISABLE_SAVE_AFTER_TRAINING_FIELD_NUMBER: _ClassVar[int]
        dir: str
        extension: str
        disable_save_after_training: bool
        def __init__(self, dir: _Optional[str] = ..., extension: _Optional[str] = ..., disable_save_after_training: _Optional[bool] = ...) -> None: ...
    class CallbackLoadModel(_message.Message):
        __slots__ = ("dirs", "extension")
        DIRS_FIELD_NUMBER: _ClassVar[int]
        EXTENSION_FIELD_NUMBER: _ClassVar[int]
        dirs: str
        extension: str
        def __init__(self, dirs: _Optional[str] = ..., extension: _Optional[str] = ...) -> None: ...
    class CallbackSaveTopKModels(_message.Message):
        __slots__ = ("dir", "k", "metric", "ascending_ordering")
        DIR_FIELD_NUMBER: _ClassVar[int]
        K_FIELD_NUMBER: _ClassVar[int]
        METRIC_FIELD_NUMBER: _ClassVar[int]
        ASCENDING_ORDERING_FIELD_NUMBER: _ClassVar[int]
        dir: str
        k: int
        metric: str
        ascending_ordering: bool
        def __init__(self, dir: _Optional[str] = ..., k: _Optional[int] = ..., metric: _Optional[str] = ..., ascending_ordering: _Optional[bool] = ...) -> None: ...
    class CallbackExportOnnx(_message.Message):
        __slots__ = ("output_filename", "debug_string_filename")
        OUTPUT_FILENAME_FIELD_NUMBER: _ClassVar[int]
        DEBUG_STRING_FILENAME_FIELD_NUMBER: _ClassVar[int]
        output_filename: str
        debug_string_filename: str
        def __init__(self, output_filename: _Optional[str] = ..., debug_string_filename: _Optional[str] = ...) -> None: ...
    class CallbackEarlyStopping(_message.Message):
        __slots__ = ("patience",)
        PATIENCE_FIELD_NUMBER: _ClassVar[int]
        patience: int
        def __init__(self, patience: _Optional[int] = ...) -> None: ...
    class CallbackSetWeightsValue(_message.Message):
        __slots__ = ("weights", "value", "step")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        STEP_FIELD_NUMBER: _ClassVar[int]
        weights: str
        value: float
        step: int
        def __init__(self, weights: _Optional[str] = ..., value: _Optional[float] = ..., step: _Optional[int] = ...) -> None: ...
    class CallbackClipGradientNorm(_message.Message):
        __slots__ = ("weights", "global_norm", "value")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        GLOBAL_NORM_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        weights: str
        global_norm: bool
        value: float
        def __init__(self, weights: _Optional[str] = ..., global_norm: _Optional[bool] = ..., value: _Optional[float] = ...) -> None: ...
    class CallbackStepMinibatch(_message.Message):
        __slots__ = ("starting_mbsize", "step", "ramp_time")
        STARTING_MBSIZE_FIELD_NUMBER: _ClassVar[int]
        STEP_FIELD_NUMBER: _ClassVar[int]
        RAMP_TIME_FIELD_NUMBER: _ClassVar[int]
        starting_mbsize: int
        step: int
        ramp_time: int
        def __init__(self, starting_mbsize: _Optional[int] = ..., step: _Optional[int] = ..., ramp_time: _Optional[int] = ...) -> None: ...
    class MinibatchScheduleStep(_message.Message):
        __slots__ = ("epoch", "mbsize", "lr", "ramp_time")
        EPOCH_FIELD_NUMBER: _ClassVar[int]
        MBSIZE_FIELD_NUMBER: _ClassVar[int]
        LR_FIELD_NUMBER: _ClassVar[int]
        RAMP_TIME_FIELD_NUMBER: _ClassVar[int]
        epoch: int
        mbsize: int
        lr: float
        ramp_time: int
        def __init__(self, epoch: _Optional[int] = ..., mbsize: _Optional[int] = ..., lr: _Optional[float] = ..., ramp_time: _Optional[int] = ...) -> None: ...
    class CallbackMinibatchSchedule(_message.Message):
        __slots__ = ("starting_mbsize", "step")
        STARTING_MBSIZE_FIELD_NUMBER: _ClassVar[int]
        STEP_FIELD_NUMBER: _ClassVar[int]
        starting_mbsize: int
        step: _containers.RepeatedCompositeFieldContainer[Callback.MinibatchScheduleStep]
        def __init__(self, starting_mbsize: _Optional[int] = ..., step: _Optional[_Iterable[_Union[Callback.MinibatchScheduleStep, _Mapping]]] = ...) -> None: ...
    class CallbackStepLearningRate(_message.Message):
        __slots__ = ("weights", "step", "amt")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        STEP_FIELD_NUMBER: _ClassVar[int]
        AMT_FIELD_NUMBER: _ClassVar[int]
        weights: str
        step: int
        amt: float
        def __init__(self, weights: _Optional[str] = ..., step: _Optional[int] = ..., amt: _Optional[float] = ...) -> None: ...
    class CallbackSetLearningRate(_message.Message):
        __slots__ = ("weights", "step", "val")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        STEP_FIELD_NUMBER: _ClassVar[int]
        VAL_FIELD_NUMBER: _ClassVar[int]
        weights: str
        step: int
        val: float
        def __init__(self, weights: _Optional[str] = ..., step: _Optional[int] = ..., val: _Optional[float] = ...) -> None: ...
    class CallbackAdaptiveLearningRate(_message.Message):
        __slots__ = ("weights", "patience", "amt")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        PATIENCE_FIELD_NUMBER: _ClassVar[int]
        AMT_FIELD_NUMBER: _ClassVar[int]
        weights: str
        patience: int
        amt: float
        def __init__(self, weights: _Optional[str] = ..., patience: _Optional[int] = ..., amt: _Optional[float] = ...) -> None: ...
    class CallbackDropFixedLearningRate(_message.Message):
        __slots__ = ("weights", "drop_epoch", "amt")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        DROP_EPOCH_FIELD_NUMBER: _ClassVar[int]
        AMT_FIELD_NUMBER: _ClassVar[int]
        weights: str
        drop_epoch: _containers.RepeatedScalarFieldContainer[int]
        amt: float
        def __init__(self, weights: _Optional[str] = ..., drop_epoch: _Optional[_Iterable[int]] = ..., amt: _Optional[float] = ...) -> None: ...
    class CallbackLinearGrowthLearningRate(_message.Message):
        __slots__ = ("weights", "target", "num_epochs", "delay")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        TARGET_FIELD_NUMBER: _ClassVar[int]
        NUM_EPOCHS_FIELD_NUMBER: _ClassVar[int]
        DELAY_FIELD_NUMBER: _ClassVar[int]
        weights: str
        target: float
        num_epochs: int
        delay: int
        def __init__(self, weights: _Optional[str] = ..., target: _Optional[float] = ..., num_epochs: _Optional[int] = ..., delay: _Optional[int] = ...) -> None: ...
    class CallbackPolyLearningRate(_message.Message):
        __slots__ = ("weights", "power", "num_epochs", "max_iter", "end_lr")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        POWER_FIELD_NUMBER: _ClassVar[int]
        NUM_EPOCHS_FIELD_NUMBER: _ClassVar[int]
        MAX_ITER_FIELD_NUMBER: _ClassVar[int]
        END_LR_FIELD_NUMBER: _ClassVar[int]
        weights: str
        power: float
        num_epochs: int
        max_iter: int
        end_lr: float
        def __init__(self, weights: _Optional[str] = ..., power: _Optional[float] = ..., num_epochs: _Optional[int] = ..., max_iter: _Optional[int] = ..., end_lr: _Optional[float] = ...) -> None: ...
    class CallbackCosineDecayLearningRate(_message.Message):
        __slots__ = ("weights", "lr_max", "lr_min", "decay_steps", "initial_warmup_learning_rate", "warmup_steps")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        LR_MAX_FIELD_NUMBER: _ClassVar[int]
        LR_MIN_FIELD_NUMBER: _ClassVar[int]
        DECAY_STEPS_FIELD_NUMBER: _ClassVar[int]
        INITIAL_WARMUP_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
        WARMUP_STEPS_FIELD_NUMBER: _ClassVar[int]
        weights: str
        lr_max: float
        lr_min: float
        decay_steps: int
        initial_warmup_learning_rate: float
        warmup_steps: int
        def __init__(self, weights: _Optional[str] = ..., lr_max: _Optional[float] = ..., lr_min: _Optional[float] = ..., decay_steps: _Optional[int] = ..., initial_warmup_learning_rate: _Optional[float] = ..., warmup_steps: _Optional[int] = ...) -> None: ...
    class CallbackOptimizerwiseAdaptiveLearningRate(_message.Message):
        __slots__ = ("weights", "scale")
        WEIGHTS_FIELD_NUMBER: _ClassVar[int]
        SCALE_FIELD_NUMBER: _ClassVar[int]
        weights: str
        scale: float
        def __init__(self, weights: _Optional[str] = ..., scale: _Optional[float] = ...) -> None: ...
    PRINT_FIELD_NUMBER: _ClassVar[int]
    TIMER_FIELD_NUMBER: _ClassVar[int]
    SUMMARY_FIELD_NUMBER: _ClassVar[int]
    DUMP_WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    DUMP_OUTPUTS_FIELD_NUMBER: _ClassVar[int]
    DUMP_GRADIENTS_FIELD_NUMBER: _ClassVar[int]
    DEBUG_FIELD_NUMBER: _ClassVar[int]
    ADAPTIVE_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    STEP_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    CHECK_SMALL_FIELD_NUMBER: _ClassVar[int]
    CHECK_NAN_FIELD_NUMBER: _ClassVar[int]
    DROP_FIXED_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    LINEAR_GROWTH_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    PROFILER_FIELD_NUMBER: _ClassVar[int]
    STEP_MINIBATCH_FIELD_NUMBER: _ClassVar[int]
    CHECK_GRADIENTS_FIELD_NUMBER: _ClassVar[int]
    MINIBATCH_SCHEDULE_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZERWISE_ADAPTIVE_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    CHECKPOINT_FIELD_NUMBER: _ClassVar[int]
    SAVE_MODEL_FIELD_NUMBER: _ClassVar[int]
    POLY_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    GPU_MEMORY_USAGE_FIELD_NUMBER: _ClassVar[int]
    CONFUSION_MATRIX_FIELD_NUMBER: _ClassVar[int]
    CHECK_METRIC_FIELD_NUMBER: _ClassVar[int]
    SAVE_TOPK_MODELS_FIELD_NUMBER: _ClassVar[int]
    INIT_FIELD_NUMBER: _ClassVar[int]
    EARLY_STOPPING_FIELD_NUMBER: _ClassVar[int]
    TIMELINE_FIELD_NUMBER: _ClassVar[int]
    PRINT_MODEL_DESCRIPTION_FIELD_NUMBER: _ClassVar[int]
    LOAD_MODEL_FIELD_NUMBER: _ClassVar[int]
    SET_WEIGHTS_VALUE_FIELD_NUMBER: _ClassVar[int]
    DUMP_MODEL_GRAPH_FIELD_NUMBER: _ClassVar[int]
    EXPORT_ONNX_FIELD_NUMBER: _ClassVar[int]
    SET_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    PROGRESS_BAR_FIELD_NUMBER: _ClassVar[int]
    COSINE_DECAY_LEARNING_RATE_FIELD_NUMBER: _ClassVar[int]
    CLIP_GRADIENT_NORM_FIELD_NUMBER: _ClassVar[int]
    EVALUATE_PROGRESS_FIELD_NUMBER: _ClassVar[int]
    print: Callback.CallbackPrint
    timer: Callback.CallbackTimer
    summary: Callback.CallbackSummary
    dump_weights: Callback.CallbackDumpWeights
    dump_outputs: Callback.CallbackDumpOutputs
    dump_gradients: Callback.CallbackDumpGradients
    debug: Callback.CallbackDebug
    adaptive_learning_rate: Callback.CallbackAdaptiveLearningRate
    step_learning_rate: Callback.CallbackStepLearningRate
    check_small: Callback.CallbackCheckSmall
    check_nan: Callback.CallbackCheckNaN
    drop_fixed_learning_rate: Callback.CallbackDropFixedLearningRate
    linear_growth_learning_rate: Callback.CallbackLinearGrowthLearningRate
    profiler: Callback.CallbackProfiler
    step_minibatch: Callback.CallbackStepMinibatch
    check_gradients: Callback.CallbackCheckGradients
    minibatch_schedule: Callback.CallbackMinibatchSchedule
    optimizerwise_adaptive_learning_rate: Callback.CallbackOptimizerwiseAdaptiveLearningRate
    checkpoint: Callback.CallbackCheckpoint
    save_model: Callback.CallbackSaveModel
    poly_learning_rate: Callback.CallbackPolyLearningRate
    gpu_memory_usage: Callback.CallbackGPUMemoryUsage
    confusion_matrix: Callback.CallbackConfusionMatrix
    check_metric: Callback.CallbackCheckMetric
    save_topk_models: Callback.CallbackSaveTopKModels
    init: Callback.CallbackCheckInit
    early_stopping: Callback.CallbackEarlyStopping
    timeline: Callback.CallbackTimeline
    print_model_description: Callback.CallbackPrintModelDescription
    load_model: Callback.CallbackLoadModel
    set_weights_value: Callback.CallbackSetWeightsValue
    dump_model_graph: Callback.CallbackDumpModelGraph
    export_onnx: Callback.CallbackExportOnnx
    set_learning_rate: Callback.CallbackSetLearningRate
    progress_bar: Callback.CallbackProgressBar
    cosine_decay_learning_rate: Callback.CallbackCosineDecayLearningRate
    clip_gradient_norm: Callback.CallbackClipGradientNorm
    evaluate_progress: Callback.CallbackEvaluateProgress
    def __init__(self, print: _Optional[_Union[Callback.CallbackPrint, _Mapping]] = ..., timer: _Optional[_Union[Callback.CallbackTimer, _Mapping]] = ..., summary: _Optional[_Union[Callback.CallbackSummary, _Mapping]] = ..., dump_weights: _Optional[_Union[Callback.CallbackDumpWeights, _Mapping]] = ..., dump_outputs: _Optional[_Union[Callback.CallbackDumpOutputs, _Mapping]] = ..., dump_gradients: _Optional[_Union[Callback.CallbackDumpGradients, _Mapping]] = ..., debug: _Optional[_Union[Callback.CallbackDebug, _Mapping]] = ..., adaptive_learning_rate: _Optional[_Union[Callback.CallbackAdaptiveLearningRate, _Mapping]] = ..., step_learning_rate: _Optional[_Union[Callback.CallbackStepLearningRate, _Mapping]] = ..., check_small: _Optional[_Union[Callback.CallbackCheckSmall, _Mapping]] = ..., check_nan: _Optional[_Union[Callback.CallbackCheckNaN, _Mapping]] = ..., drop_fixed_learning_rate: _Optional[_Union[Callback.CallbackDropFixedLearningRate, _Mapping]] = ..., linear_growth_learning_rate: _Optional[_Union[Callback.CallbackLinearGrowthLearningRate, _Mapping]] = ..., profiler: _Optional[_Union[Callback.CallbackProfiler, _Mapping]] = ..., step_minibatch: _Optional[_Union[Callback.CallbackStepMinibatch, _Mapping]] = ..., check_gradients: _Optional[_Union[Callback.CallbackCheckGradients, _Mapping]] = ..., minibatch_schedule: _Optional[_Union[Callback.CallbackMinibatchSchedule, _Mapping]] = ..., optimizerwise_adaptive_learning_rate: _Optional[_Union[Callback.CallbackOptimizerwiseAdaptiveLearningRate, _Mapping]] = ..., checkpoint: _Optional[_Union[Callback.CallbackCheckpoint, _Mapping]] = ..., save_model: _Optional[_Union[Callback.CallbackSaveModel, _Mapping]] = ..., poly_learning_rate: _Optional[_Union[Callback.CallbackPolyLearningRate, _Mapping]] = ..., gpu_memory_usage: _Optional[_Union[Callback.CallbackGPUMemoryUsage, _Mapping]] = ..., confusion_matrix: _Optional[_Union[Callback.CallbackConfusionMatrix, _Mapping]] = ..., check_metric: _Optional[_Union[Callback.CallbackCheckMetric, _Mapping]] = ..., save_topk_models: _Optional[_Union[Callback.CallbackSaveTopKModels, _Mapping]] = ..., init: _Optional[_Union[Callback.CallbackCheckInit, _Mapping]] = ..., early_stopping: _Optional[_Union[Callback.CallbackEarlyStopping, _Mapping]] = ..., timeline: _Optional[_Union[Callback.CallbackTimeline, _Mapping]] = ..., print_model_description: _Optional[_Union[Callback.CallbackPrintModelDescription, _Mapping]] = ..., load_model: _Optional[_Union[Callback.CallbackLoadModel, _Mapping]] = ..., set_weights_value: _Optional[_Union[Callback.CallbackSetWeightsValue, _Mapping]] = ..., dump_model_graph: _Optional[_Union[Callback.CallbackDumpModelGraph, _Mapping]] = ..., export_onnx: _Optional[_Union[Callback.CallbackExportOnnx, _Mapping]] = ..., set_learning_rate: _Optional[_Union[Callback.CallbackSetLearningRate, _Mapping]] = ..., progress_bar: _Optional[_Union[Callback.CallbackProgressBar, _Mapping]] = ..., cosine_decay_learning_rate: _Optional[_Union[Callback.CallbackCosineDecayLearningRate, _Mapping]] = ..., clip_gradient_norm: _Optional[_Union[Callback.CallbackClipGradientNorm, _Mapping]] = ..., evaluate_progress: _Optional[_Union[Callback.CallbackEvaluateProgress, _Mapping]] = ...) -> None: ...

class DataReader(_message.Message):
    __slots__ = ("max_par_io_size", "reader", "requires_data_set_metadata")
    MAX_PAR_IO_SIZE_FIELD_NUMBER: _ClassVar[int]
    READER_FIELD_NUMBER: _ClassVar[int]
    REQUIRES_DATA_SET_METADATA_FIELD_NUMBER: _ClassVar[int]
    max_par_io_size: int
    reader: _containers.RepeatedCompositeFieldContainer[Reader]
    requires_data_set_metadata: bool
    def __init__(self, max_par_io_size: _Optional[int] = ..., reader: _Optional[_Iterable[_Union[Reader, _Mapping]]] = ..., requires_data_set_metadata: _Optional[bool] = ...) -> None: ...

class Reader(_message.Message):
    __slots__ = ("name", "role", "shuffle", "data_filedir", "data_filename", "label_filename", "sample_list", "validation_fraction", "tournament_fraction", "absolute_sample_count", "fraction_of_data_to_use", "metadata_filename", "data_local_filedir", "first_n", "num_labels", "num_samples", "synth_dimensions", "synth_response_dimensions", "separator", "skip_cols", "skip_rows", "has_header", "label_col", "response_col", "disable_labels", "disable_responses", "format", "data_file_pattern", "scaling_factor_int16", "enable_labels", "enable_responses", "max_files_to_load", "sample_list_per_trainer", "sample_list_per_model", "sample_list_keep_order", "python", "python_dataset", "transforms", "hdf5_key_data", "hdf5_key_labels", "hdf5_key_responses", "hdf5_hyperslab_labels", "num_responses", "data_schema_filename", "experiment_schema_filename")
    NAME_FIELD_NUMBER: _ClassVar[int]
    ROLE_FIELD_NUMBER: _ClassVar[int]
    SHUFFLE_FIELD_NUMBER: _ClassVar[int]
    DATA_FILEDIR_FIELD_NUMBER: _ClassVar[int]
    DATA_FILENAME_FIELD_NUMBER: _ClassVar[int]
    LABEL_FILENAME_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_LIST_FIELD_NUMBER: _ClassVar[int]
    VALIDATION_FRACTION_FIELD_NUMBER: _ClassVar[int]
    TOURNAMENT_FRACTION_FIELD_NUMBER: _ClassVar[int]
    ABSOLUTE_SAMPLE_COUNT_FIELD_NUMBER: _ClassVar[int]
    FRACTION_OF_DATA_TO_USE_FIELD_NUMBER: _ClassVar[int]
    METADATA_FILENAME_FIELD_NUMBER: _ClassVar[int]
    DATA_LOCAL_FILEDIR_FIELD_NUMBER: _ClassVar[int]
    FIRST_N_FIELD_NUMBER: _ClassVar[int]
    NUM_LABELS_FIELD_NUMBER: _ClassVar[int]
    NUM_SAMPLES_FIELD_NUMBER: _ClassVar[int]
    SYNTH_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    SYNTH_RESPONSE_DIMENSIONS_FIELD_NUMBER: _ClassVar[int]
    SEPARATOR_FIELD_NUMBER: _ClassVar[int]
    SKIP_COLS_FIELD_NUMBER: _ClassVar[int]
    SKIP_ROWS_FIELD_NUMBER: _ClassVar[int]
    HAS_HEADER_FIELD_NUMBER: _ClassVar[int]
    LABEL_COL_FIELD_NUMBER: _ClassVar[int]
    RESPONSE_COL_FIELD_NUMBER: _ClassVar[int]
    DISABLE_LABELS_FIELD_NUMBER: _ClassVar[int]
    DISABLE_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    FORMAT_FIELD_NUMBER: _ClassVar[int]
    DATA_FILE_PATTERN_FIELD_NUMBER: _ClassVar[int]
    SCALING_FACTOR_INT16_FIELD_NUMBER: _ClassVar[int]
    ENABLE_LABELS_FIELD_NUMBER: _ClassVar[int]
    ENABLE_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    MAX_FILES_TO_LOAD_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_LIST_PER_TRAINER_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_LIST_PER_MODEL_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_LIST_KEEP_ORDER_FIELD_NUMBER: _ClassVar[int]
    PYTHON_FIELD_NUMBER: _ClassVar[int]
    PYTHON_DATASET_FIELD_NUMBER: _ClassVar[int]
    TRANSFORMS_FIELD_NUMBER: _ClassVar[int]
    HDF5_KEY_DATA_FIELD_NUMBER: _ClassVar[int]
    HDF5_KEY_LABELS_FIELD_NUMBER: _ClassVar[int]
    HDF5_KEY_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    HDF5_HYPERSLAB_LABELS_FIELD_NUMBER: _ClassVar[int]
    NUM_RESPONSES_FIELD_NUMBER: _ClassVar[int]
    DATA_SCHEMA_FILENAME_FIELD_NUMBER: _ClassVar[int]
    EXPERIMENT_SCHEMA_FILENAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    role: str
    shuffle: bool
    data_filedir: str
    data_filename: str
    label_filename: str
    sample_list: str
    validation_fraction: float
    tournament_fraction: float
    absolute_sample_count: int
    fraction_of_data_to_use: float
    metadata_filename: str
    data_local_filedir: str
    first_n: int
    num_labels: int
    num_samples: int
    synth_dimensions: str
    synth_response_dimensions: str
    separator: str
    skip_cols: int
    skip_rows: int
    has_header: bool
    label_col: int
    response_col: int
    disable_labels: bool
    disable_responses: bool
    format: str
    data_file_pattern: str
    scaling_factor_int16: float
    enable_labels: bool
    enable_responses: bool
    max_files_to_load: int
    sample_list_per_trainer: bool
    sample_list_per_model: bool
    sample_list_keep_order: bool
    python: PythonDataReader
    python_dataset: PythonDatasetReader
    transforms: _containers.RepeatedCompositeFieldContainer[Transform]
    hdf5_key_data: str
    hdf5_key_labels: str
    hdf5_key_responses: str
    hdf5_hyperslab_labels: bool
    num_responses: int
    data_schema_filename: str
    experiment_schema_filename: str
    def __init__(self, name: _Optional[str] = ..., role: _Optional[str] = ..., shuffle: _Optional[bool] = ..., data_filedir: _Optional[str] = ..., data_filename: _Optional[str] = ..., label_filename: _Optional[str] = ..., sample_list: _Optional[str] = ..., validation_fraction: _Optional[float] = ..., tournament_fraction: _Optional[float] = ..., absolute_sample_count: _Optional[int] = ..., fraction_of_data_to_use: _Optional[float] = ..., metadata_filename: _Optional[str] = ..., data_local_filedir: _Optional[str] = ..., first_n: _Optional[int] = ..., num_labels: _Optional[int] = ..., num_samples: _Optional[int] = ..., synth_dimensions: _Optional[str] = ..., synth_response_dimensions: _Optional[str] = ..., separator: _Optional[str] = ..., skip_cols: _Optional[int] = ..., skip_rows: _Optional[int] = ..., has_header: _Optional[bool] = ..., label_col: _Optional[int] = ..., response_col: _Optional[int] = ..., disable_labels: _Optional[bool] = ..., disable_responses: _Optional[bool] = ..., format: _Optional[str] = ..., data_file_pattern: _Optional[str] = ..., scaling_factor_int16: _Optional[float] = ..., enable_labels: _Optional[bool] = ..., enable_responses: _Optional[bool] = ..., max_files_to_load: _Optional[int] = ..., sample_list_per_trainer: _Optional[bool] = ..., sample_list_per_model: _Optional[bool] = ..., sample_list_keep_order: _Optional[bool] = ..., python: _Optional[_Union[PythonDataReader, _Mapping]] = ..., python_dataset: _Optional[_Union[PythonDatasetReader, _Mapping]] = ..., transforms: _Optional[_Iterable[_Union[Transform, _Mapping]]] = ..., hdf5_key_data: _Optional[str] = ..., hdf5_key_labels: _Optional[str] = ..., hdf5_key_responses: _Optional[str] = ..., hdf5_hyperslab_labels: _Optional[bool] = ..., num_responses: _Optional[int] = ..., data_schema_filename: _Optional[str] = ..., experiment_schema_filename: _Optional[str] = ...) -> None: ...

class PythonDataReader(_message.Message):
    __slots__ = ("module", "module_dir", "sample_function", "num_samples_function", "sample_dims_function")
    MODULE_FIELD_NUMBER: _ClassVar[int]
    MODULE_DIR_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    NUM_SAMPLES_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_DIMS_FUNCTION_FIELD_NUMBER: _ClassVar[int]
    module: str
    module_dir: str
    sample_function: str
    num_samples_function: str
    sample_dims_function: str
    def __init__(self, module: _Optional[str] = ..., module_dir: _Optional[str] = ..., sample_function: _Optional[str] = ..., num_samples_function: _Optional[str] = ..., sample_dims_function: _Optional[str] = ...) -> None: ...

class PythonDatasetReader(_message.Message):
    __slots__ = ("dataset_path", "module_dir", "prefetch_factor")
    DATASET_PATH_FIELD_NUMBER: _ClassVar[int]
    MODULE_DIR_FIELD_NUMBER: _ClassVar[int]
    PREFETCH_FACTOR_FIELD_NUMBER: _ClassVar[int]
    dataset_path: str
    module_dir: str
    prefetch_factor: int
    def __init__(self, dataset_path: _Optional[str] = ..., module_dir: _Optional[str] = ..., prefetch_factor: _Optional[int] = ...) -> None: ...

class Transform(_message.Message):
    __slots__ = ("normalize", "sample_normalize", "scale", "center_crop", "colorize", "grayscale", "horizontal_flip", "normalize_to_lbann_layout", "random_affine", "random_crop", "random_resized_crop", "random_resized_crop_with_fixed_aspect_ratio", "resize", "resized_center_crop", "to_lbann_layout", "vertical_flip", "adjust_brightness", "adjust_contrast", "adjust_saturation", "color_jitter", "cutout", "pad")
    class Normalize(_message.Message):
        __slots__ = ("means", "stddevs")
        MEANS_FIELD_NUMBER: _ClassVar[int]
        STDDEVS_FIELD_NUMBER: _ClassVar[int]
        means: str
        stddevs: str
        def __init__(self, means: _Optional[str] = ..., stddevs: _Optional[str] = ...) -> None: ...
    class SampleNormalize(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class Scale(_message.Message):
        __slots__ = ("scale",)
        SCALE_FIELD_NUMBER: _ClassVar[int]
        scale: float
        def __init__(self, scale: _Optional[float] = ...) -> None: ...
    class AdjustBrightness(_message.Message):
        __slots__ = ("factor",)
        FACTOR_FIELD_NUMBER: _ClassVar[int]
        factor: float
        def __init__(self, factor: _Optional[float] = ...) -> None: ...
    class AdjustContrast(_message.Message):
        __slots__ = ("factor",)
        FACTOR_FIELD_NUMBER: _ClassVar[int]
        factor: float
        def __init__(self, factor: _Optional[float] = ...) -> None: ...
    class AdjustSaturation(_message.Message):
        __slots__ = ("factor",)
        FACTOR_FIELD_NUMBER: _ClassVar[int]
        factor: float
        def __init__(self, factor: _Optional[float] = ...) -> None: ...
    class CenterCrop(_message.Message):
        __slots__ = ("height", "width")
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        height: int
        width: int
        def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ...) -> None: ...
    class Colorize(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class ColorJitter(_message.Message):
        __slots__ = ("min_brightness_factor", "max_brightness_factor", "min_contrast_factor", "max_contrast_factor", "min_saturation_factor", "max_saturation_factor")
        MIN_BRIGHTNESS_FACTOR_FIELD_NUMBER: _ClassVar[int]
        MAX_BRIGHTNESS_FACTOR_FIELD_NUMBER: _ClassVar[int]
        MIN_CONTRAST_FACTOR_FIELD_NUMBER: _ClassVar[int]
        MAX_CONTRAST_FACTOR_FIELD_NUMBER: _ClassVar[int]
        MIN_SATURATION_FACTOR_FIELD_NUMBER: _ClassVar[int]
        MAX_SATURATION_FACTOR_FIELD_NUMBER: _ClassVar[int]
        min_brightness_factor: float
        max_brightness_factor: float
        min_contrast_factor: float
        max_contrast_factor: float
        min_saturation_factor: float
        max_saturation_factor: float
        def __init__(self, min_brightness_factor: _Optional[float] = ..., max_brightness_factor: _Optional[float] = ..., min_contrast_factor: _Optional[float] = ..., max_contrast_factor: _Optional[float] = ..., min_saturation_factor: _Optional[float] = ..., max_saturation_factor: _Optional[float] = ...) -> None: ...
    class Cutout(_message.Message):
        __slots__ = ("num_holes", "length")
        NUM_HOLES_FIELD_NUMBER: _ClassVar[int]
        LENGTH_FIELD_NUMBER: _ClassVar[int]
        num_holes: int
        length: int
        def __init__(self, num_holes: _Optional[int] = ..., length: _Optional[int] = ...) -> None: ...
    class Grayscale(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class HorizontalFlip(_message.Message):
        __slots__ = ("p",)
        P_FIELD_NUMBER: _ClassVar[int]
        p: float
        def __init__(self, p: _Optional[float] = ...) -> None: ...
    class NormalizeToLBANNLayout(_message.Message):
        __slots__ = ("means", "stddevs")
        MEANS_FIELD_NUMBER: _ClassVar[int]
        STDDEVS_FIELD_NUMBER: _ClassVar[int]
        means: str
        stddevs: str
        def __init__(self, means: _Optional[str] = ..., stddevs: _Optional[str] = ...) -> None: ...
    class Pad(_message.Message):
        __slots__ = ("pad",)
        PAD_FIELD_NUMBER: _ClassVar[int]
        pad: int
        def __init__(self, pad: _Optional[int] = ...) -> None: ...
    class RandomAffine(_message.Message):
        __slots__ = ("rotate_min", "rotate_max", "translate_h", "translate_w", "scale_min", "scale_max", "shear_min", "shear_max")
        ROTATE_MIN_FIELD_NUMBER: _ClassVar[int]
        ROTATE_MAX_FIELD_NUMBER: _ClassVar[int]
        TRANSLATE_H_FIELD_NUMBER: _ClassVar[int]
        TRANSLATE_W_FIELD_NUMBER: _ClassVar[int]
        SCALE_MIN_FIELD_NUMBER: _ClassVar[int]
        SCALE_MAX_FIELD_NUMBER: _ClassVar[int]
        SHEAR_MIN_FIELD_NUMBER: _ClassVar[int]
        SHEAR_MAX_FIELD_NUMBER: _ClassVar[int]
        rotate_min: float
        rotate_max: float
        translate_h: float
        translate_w: float
        scale_min: float
        scale_max: float
        shear_min: float
        shear_max: float
        def __init__(self, rotate_min: _Optional[float] = ..., rotate_max: _Optional[float] = ..., translate_h: _Optional[float] = ..., translate_w: _Optional[float] = ..., scale_min: _Optional[float] = ..., scale_max: _Optional[float] = ..., shear_min: _Optional[float] = ..., shear_max: _Optional[float] = ...) -> None: ...
    class RandomCrop(_message.Message):
        __slots__ = ("height", "width")
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        height: int
        width: int
        def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ...) -> None: ...
    class RandomResizedCrop(_message.Message):
        __slots__ = ("height", "width", "scale_min", "scale_max", "ar_min", "ar_max")
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        SCALE_MIN_FIELD_NUMBER: _ClassVar[int]
        SCALE_MAX_FIELD_NUMBER: _ClassVar[int]
        AR_MIN_FIELD_NUMBER: _ClassVar[int]
        AR_MAX_FIELD_NUMBER: _ClassVar[int]
        height: int
        width: int
        scale_min: float
        scale_max: float
        ar_min: float
        ar_max: float
        def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ..., scale_min: _Optional[float] = ..., scale_max: _Optional[float] = ..., ar_min: _Optional[float] = ..., ar_max: _Optional[float] = ...) -> None: ...
    class RandomResizedCropWithFixedAspectRatio(_message.Message):
        __slots__ = ("height", "width", "crop_height", "crop_width")
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        CROP_HEIGHT_FIELD_NUMBER: _ClassVar[int]
        CROP_WIDTH_FIELD_NUMBER: _ClassVar[int]
        height: int
        width: int
        crop_height: int
        crop_width: int
        def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ..., crop_height: _Optional[int] = ..., crop_width: _Optional[int] = ...) -> None: ...
    class Resize(_message.Message):
        __slots__ = ("height", "width")
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        height: int
        width: int
        def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ...) -> None: ...
    class ResizedCenterCrop(_message.Message):
        __slots__ = ("height", "width", "crop_height", "crop_width")
        HEIGHT_FIELD_NUMBER: _ClassVar[int]
        WIDTH_FIELD_NUMBER: _ClassVar[int]
        CROP_HEIGHT_FIELD_NUMBER: _ClassVar[int]
        CROP_WIDTH_FIELD_NUMBER: _ClassVar[int]
        height: int
        width: int
        crop_height: int
        crop_width: int
        def __init__(self, height: _Optional[int] = ..., width: _Optional[int] = ..., crop_height: _Optional[int] = ..., crop_width: _Optional[int] = ...) -> None: ...
    class ToLBANNLayout(_message.Message):
        __slots__ = ()
        def __init__(self) -> None: ...
    class VerticalFlip(_message.Message):
        __slots__ = ("p",)
        P_FIELD_NUMBER: _ClassVar[int]
        p: float
        def __init__(self, p: _Optional[float] = ...) -> None: ...
    NORMALIZE_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_NORMALIZE_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    CENTER_CROP_FIELD_NUMBER: _ClassVar[int]
    COLORIZE_FIELD_NUMBER: _ClassVar[int]
    GRAYSCALE_FIELD_NUMBER: _ClassVar[int]
    HORIZONTAL_FLIP_FIELD_NUMBER: _ClassVar[int]
    NORMALIZE_TO_LBANN_LAYOUT_FIELD_NUMBER: _ClassVar[int]
    RANDOM_AFFINE_FIELD_NUMBER: _ClassVar[int]
    RANDOM_CROP_FIELD_NUMBER: _ClassVar[int]
    RANDOM_RESIZED_CROP_FIELD_NUMBER: _ClassVar[int]
    RANDOM_RESIZED_CROP_WITH_FIXED_ASPECT_RATIO_FIELD_NUMBER: _ClassVar[int]
    RESIZE_FIELD_NUMBER: _ClassVar[int]
    RESIZED_CENTER_CROP_FIELD_NUMBER: _ClassVar[int]
    TO_LBANN_LAYOUT_FIELD_NUMBER: _ClassVar[int]
    VERTICAL_FLIP_FIELD_NUMBER: _ClassVar[int]
    ADJUST_BRIGHTNESS_FIELD_NUMBER: _ClassVar[int]
    ADJUST_CONTRAST_FIELD_NUMBER: _ClassVar[int]
    ADJUST_SATURATION_FIELD_NUMBER: _ClassVar[int]
    COLOR_JITTER_FIELD_NUMBER: _ClassVar[int]
    CUTOUT_FIELD_NUMBER: _ClassVar[int]
    PAD_FIELD_NUMBER: _ClassVar[int]
    normalize: Transform.Normalize
    sample_normalize: Transform.SampleNormalize
    scale: Transform.Scale
    center_crop: Transform.CenterCrop
    colorize: Transform.Colorize
    grayscale: Transform.Grayscale
    horizontal_flip: Transform.HorizontalFlip
    normalize_to_lbann_layout: Transform.NormalizeToLBANNLayout
    random_affine: Transform.RandomAffine
    random_crop: Transform.RandomCrop
    random_resized_crop: Transform.RandomResizedCrop
    random_resized_crop_with_fixed_aspect_ratio: Transform.RandomResizedCropWithFixedAspectRatio
    resize: Transform.Resize
    resized_center_crop: Transform.ResizedCenterCrop
    to_lbann_layout: Transform.ToLBANNLayout
    vertical_flip: Transform.VerticalFlip
    adjust_brightness: Transform.AdjustBrightness
    adjust_contrast: Transform.AdjustContrast
    adjust_saturation: Transform.AdjustSaturation
    color_jitter: Transform.ColorJitter
    cutout: Transform.Cutout
    pad: Transform.Pad
    def __init__(self, normalize: _Optional[_Union[Transform.Normalize, _Mapping]] = ..., sample_normalize: _Optional[_Union[Transform.SampleNormalize, _Mapping]] = ..., scale: _Optional[_Union[Transform.Scale, _Mapping]] = ..., center_crop: _Optional[_Union[Transform.CenterCrop, _Mapping]] = ..., colorize: _Optional[_Union[Transform.Colorize, _Mapping]] = ..., grayscale: _Optional[_Union[Transform.Grayscale, _Mapping]] = ..., horizontal_flip: _Optional[_Union[Transform.HorizontalFlip, _Mapping]] = ..., normalize_to_lbann_layout: _Optional[_Union[Transform.NormalizeToLBANNLayout, _Mapping]] = ..., random_affine: _Optional[_Union[Transform.RandomAffine, _Mapping]] = ..., random_crop: _Optional[_Union[Transform.RandomCrop, _Mapping]] = ..., random_resized_crop: _Optional[_Union[Transform.RandomResizedCrop, _Mapping]] = ..., random_resized_crop_with_fixed_aspect_ratio: _Optional[_Union[Transform.RandomResizedCropWithFixedAspectRatio, _Mapping]] = ..., resize: _Optional[_Union[Transform.Resize, _Mapping]] = ..., resized_center_crop: _Optional[_Union[Transform.ResizedCenterCrop, _Mapping]] = ..., to_lbann_layout: _Optional[_Union[Transform.ToLBANNLayout, _Mapping]] = ..., vertical_flip: _Optional[_Union[Transform.VerticalFlip, _Mapping]] = ..., adjust_brightness: _Optional[_Union[Transform.AdjustBrightness, _Mapping]] = ..., adjust_contrast: _Optional[_Union[Transform.AdjustContrast, _Mapping]] = ..., adjust_saturation: _Optional[_Union[Transform.AdjustSaturation, _Mapping]] = ..., color_jitter: _Optional[_Union[Transform.ColorJitter, _Mapping]] = ..., cutout: _Optional[_Union[Transform.Cutout, _Mapping]] = ..., pad: _Optional[_Union[Transform.Pad, _Mapping]] = ...) -> None: ...
