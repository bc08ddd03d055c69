"""rnnkit's recurrent layers: one concept per module, cell and layer together."""

from rnnkit.layers.attention import BahdanauAttention
from rnnkit.layers.bag_linear import BagLinear
from rnnkit.layers.conv_frontend import ConvFrontEnd
from rnnkit.layers.deep_output import DeepOutput
from rnnkit.layers.deep_transition import DeepTransitionCell, DeepTransitionRNN
from rnnkit.layers.elman import Elman, ElmanCell
from rnnkit.layers.leaky import LeakyCell, LeakyRNN
from rnnkit.layers.multiscale import MultiScaleCell, MultiScaleRNN
from rnnkit.layers.ngrams import HashedBigrams
from rnnkit.layers.pooling import AttentionPooling, MaskedMaxPooling
from rnnkit.layers.quantiles import MonotoneQuantiles
from rnnkit.layers.series_embedding import SeriesEmbedding
from rnnkit.layers.skip_delay import SkipDelayCell, SkipDelayRNN
from rnnkit.layers.stacked import StackedRNN

__all__ = [
    "AttentionPooling",
    "BahdanauAttention",
    "BagLinear",
    "ConvFrontEnd",
    "DeepOutput",
    "DeepTransitionCell",
    "DeepTransitionRNN",
    "Elman",
    "ElmanCell",
    "HashedBigrams",
    "LeakyCell",
    "LeakyRNN",
    "MaskedMaxPooling",
    "MonotoneQuantiles",
    "MultiScaleCell",
    "MultiScaleRNN",
    "SeriesEmbedding",
    "SkipDelayCell",
    "SkipDelayRNN",
    "StackedRNN",
]
