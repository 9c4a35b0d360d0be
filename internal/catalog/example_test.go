package catalog_test

import (
	"errors"
	"fmt"

	"github.com/sagebench/sagebench/internal/catalog"
)

func ExampleResolve() {
	img, err := catalog.Resolve(catalog.Request{Framework: catalog.PyTorch, Version: "1.7", Target: "ml_inf1", Region: "eu-west-1"})
	if err != nil {
		panic(err)
	}
	fmt.Println(img.URI)

	_, err = catalog.Resolve(catalog.Request{Framework: catalog.PyTorch, Version: "1.5.1", Target: "ml_inf1", Region: "eu-west-1"})
	var ne *catalog.NoImageError
	if errors.As(err, &ne) {
		fmt.Println(ne.Field, ne.Known)
	}
	// Output:
	// 802834080501.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-neo-pytorch:1.7-inf-py3
	// version [1.7 1.8 1.9]
}
