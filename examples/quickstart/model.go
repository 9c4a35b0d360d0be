package main

import (
	"bytes"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/sagebench/sagebench/sagemaker"
)

// The study's inference code, in the layout SageMaker's PyTorch and Neo containers read:
// model file at the archive root, code/inference.py with its requirements beside it.
const inferencePy = `# Inference handlers for SageMaker's PyTorch serving container (the reference study's layout).
import io, json
import torch
from PIL import Image
from torchvision import transforms

preprocess = transforms.Compose([
    transforms.Resize(256),
    transforms.CenterCrop(224),
    transforms.ToTensor(),
    transforms.Normalize(mean=[0.485, 0.456, 0.406], std=[0.229, 0.224, 0.225]),
])

def model_fn(model_dir):
    model = torch.jit.load(f"{model_dir}/model.pth", map_location="cpu")
    return model.eval()

def input_fn(body, content_type):
    if content_type != "application/x-image":
        raise ValueError(f"unsupported content type {content_type}")
    return preprocess(Image.open(io.BytesIO(body)).convert("RGB")).unsqueeze(0)

def predict_fn(batch, model):
    with torch.no_grad():
        return model(batch)

def output_fn(prediction, accept):
    top5 = torch.topk(prediction, 5).indices[0].tolist()
    return json.dumps({"top5": top5})
`

const requirementsTxt = "pillow\ntorchvision\n"

// writeModelArchive lays out a stand-in model and the study's code in a temporary
// directory and packs them into a reproducible model.tar.gz.
func writeModelArchive(dir string) ([]byte, sagemaker.Stats, error) {
	code := filepath.Join(dir, "code")
	if err := os.MkdirAll(code, 0o755); err != nil {
		return nil, sagemaker.Stats{}, err
	}
	// A stand-in for the TorchScript ResNet50 (98 MB): 256 KiB of seeded bytes. The
	// emulator never reads it; its size and determinism are what matter here.
	weights := make([]byte, 256<<10)
	rng := rand.New(rand.NewPCG(50, 50))
	for i := range weights {
		weights[i] = byte(rng.Uint32())
	}
	files := map[string][]byte{
		filepath.Join(dir, "model.pth"):         weights,
		filepath.Join(code, "inference.py"):     []byte(inferencePy),
		filepath.Join(code, "requirements.txt"): []byte(requirementsTxt),
	}
	for path, b := range files {
		if err := os.WriteFile(path, b, 0o644); err != nil {
			return nil, sagemaker.Stats{}, fmt.Errorf("writing %s: %w", path, err)
		}
	}
	var buf bytes.Buffer
	stats, err := sagemaker.Pack(&buf, sagemaker.Archive{
		ModelFiles: []string{filepath.Join(dir, "model.pth")},
		CodeDir:    code,
		EntryPoint: "inference.py",
	})
	return buf.Bytes(), stats, err
}
