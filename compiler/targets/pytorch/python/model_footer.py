def build_model(weights: Optional[str] = WEIGHTS, compile: bool = False) -> nn.Module:
    """The network with `weights` (default: weights.safetensors beside this file) loaded, in eval mode.
    `compile=True` wraps it in torch.compile where this PyTorch has it (2.x)."""
    net = __CLASS__()
    if weights:
        load_weights(net, weights)
    net.eval()
    if compile and hasattr(torch, "compile"):
        net = torch.compile(net)
    return net


def trainable_params(net: nn.Module) -> int:
    return sum(p.numel() for p in net.parameters() if p.requires_grad)


INPUT_SHAPE = __INPUT__
PARAMS = __PARAMS__  # resnetc's count for the spec


if __name__ == "__main__":
    net = build_model(WEIGHTS if os.path.exists(WEIGHTS) else None)
    print(net)
    n = trainable_params(net)
    print(f"trainable parameters: {n:,} (resnetc: {PARAMS:,}); input {INPUT_SHAPE}")
    with torch.no_grad():
        out = net(torch.zeros(1, *INPUT_SHAPE))
    print(f"output: {tuple(out.shape)}")
    sys.exit(0 if n == PARAMS else 1)
