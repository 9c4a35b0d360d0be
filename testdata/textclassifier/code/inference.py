# A PyTorch text classifier's handler, as a user of SageMaker's PyTorch containers
# writes it: JSON in ({"inputs": "..."}), JSON out ({"label": ..., "score": ...}).
import json

import torch


def model_fn(model_dir):
    return torch.jit.load(f"{model_dir}/model.pth").eval()


def input_fn(body, content_type):
    assert content_type == "application/json", content_type
    return json.loads(body)["inputs"]


def predict_fn(text, model):
    with torch.no_grad():
        return model(text)


def output_fn(prediction, accept):
    return json.dumps({"label": int(prediction.argmax()), "score": float(prediction.max())})
