# Inference handlers for SageMaker's PyTorch serving containers, uncompiled and Neo-compiled
# (the reference study's layout: model file at the archive root, this file under code/).
# Expects one image per request (Content-Type application/x-image) and answers the top five
# ImageNet classes as {"predictions": [{"class": 281, "score": 0.91}, ...]}: the format of
# sagemakertest's default handler, so one response check serves the emulator and AWS.
import io
import json
import os

import torch
from PIL import Image
from torchvision import transforms

try:  # Neo's CPU/GPU serving images: the compiled model needs Neo's runtime configured.
    import neopytorch
except ImportError:
    neopytorch = None
try:  # Neo's Inferentia image: registers the Neuron ops a compiled model calls.
    import torch_neuron  # noqa: F401
except ImportError:
    pass

preprocess = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])
device = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def model_fn(model_dir):
    if neopytorch is not None:
        neopytorch.config(model_dir=model_dir, neo_runtime=True)
    # Neo writes the compiled model as compiled.pt (older releases) or model.pth.
    path = os.path.join(model_dir, "compiled.pt")
    if not os.path.exists(path):
        path = os.path.join(model_dir, "model.pth")
    model = torch.jit.load(path, map_location=device).eval()
    with torch.no_grad():  # the first inference compiles kernels; do it before traffic
        model(torch.zeros(1, 3, 224, 224, device=device))
    return model


def input_fn(body, content_type):
    if content_type != "application/x-image":
        raise ValueError(f"unsupported content type {content_type}")
    return preprocess(Image.open(io.BytesIO(body)).convert("RGB")).unsqueeze(0).to(device)


def predict_fn(batch, model):
    with torch.no_grad():
        return model(batch)


def output_fn(prediction, accept):
    scores, classes = torch.topk(torch.softmax(prediction, dim=1), 5)
    return json.dumps({"predictions": [
        {"class": int(c), "score": float(s)} for c, s in zip(classes[0].tolist(), scores[0].tolist())
    ]})
