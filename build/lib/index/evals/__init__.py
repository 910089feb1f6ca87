"""The eval: labelled questions (`metrics`), the runner that scores the engine (`runner`), and the
LlamaIndex baselines it is compared with (`baselines`)."""
