"""The preview renderer: the Quarto website project rendered without Quarto (see
:mod:`helpers.publish.render`); :class:`builder.Preview` builds it."""
