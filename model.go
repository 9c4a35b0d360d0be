package sagebench

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/sagebench/sagebench/sagemaker"
	"github.com/sagebench/sagebench/sagemaker/modeltar"
)

// ModelSource is where the study's model comes from: LocalModel files it packs and
// uploads, or an S3Model archive already in S3.
type ModelSource interface {
	problems() []string
}

// LocalModel is a model on disk: Files at the archive's root (model.pth) and CodeDir, if
// set, as its code/ directory (inference.py, requirements.txt), the layout SageMaker's
// PyTorch and Neo containers read. The study packs it reproducibly and uploads it.
type LocalModel struct {
	Files   []string
	CodeDir string
}

func (m LocalModel) problems() []string {
	var p []string
	if len(m.Files) == 0 {
		p = append(p, "model: LocalModel has no Files")
	}
	for _, f := range m.Files {
		if st, err := os.Stat(f); err != nil {
			p = append(p, fmt.Sprintf("model file %s: %v", f, err))
		} else if st.IsDir() {
			p = append(p, fmt.Sprintf("model file %s is a directory", f))
		}
	}
	if m.CodeDir != "" {
		if st, err := os.Stat(m.CodeDir); err != nil || !st.IsDir() {
			p = append(p, fmt.Sprintf("model code directory %s does not exist", m.CodeDir))
		}
	}
	return p
}

// S3Model is the s3:// URI of a model.tar.gz already uploaded; the study neither uploads
// nor deletes it.
type S3Model string

func (m S3Model) problems() []string {
	if _, _, err := sagemaker.ParseS3URI(string(m)); err != nil {
		return []string{fmt.Sprintf("model %q: %v", string(m), err)}
	}
	return nil
}

// prepareModel packs and uploads a LocalModel under the run's prefix, or passes an
// S3Model through. The bucket is created if missing whenever the run writes to it: the
// archive of a LocalModel, Neo's output for any model (needsBucket).
func (r *run) prepareModel(ctx context.Context, needsBucket bool) (string, error) {
	lm, ok := r.s.Model.(LocalModel)
	if !ok {
		if needsBucket {
			if err := r.client.EnsureBucket(ctx, r.bucket); err != nil {
				return "", err
			}
		}
		return string(r.s.Model.(S3Model)), nil
	}
	dir, err := os.MkdirTemp("", "sagebench-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "model.tar.gz")
	f, err := os.Create(path)
	if err != nil {
		return "", err
	}
	a := modeltar.Spec{ModelFiles: lm.Files, CodeDir: lm.CodeDir}
	if lm.CodeDir != "" {
		a.EntryPoint = r.s.entryPoint()
	}
	_, err = modeltar.Pack(f, a)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return "", fmt.Errorf("packing the model: %w", err)
	}
	body, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer body.Close()
	if err := r.client.EnsureBucket(ctx, r.bucket); err != nil {
		return "", err
	}
	return r.res.upload(ctx, sagemaker.UploadInput{Bucket: r.bucket, Key: r.prefix + "/model.tar.gz", Body: body})
}
