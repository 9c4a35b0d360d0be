// Package modeltar writes and reads model.tar.gz, the archive SageMaker's inference
// containers unpack into /opt/ml/model: the model file(s) at the root and the inference
// code under code/.
//
// [Pack] writes an archive from a [Spec] with reproducible bytes (the same inputs give the
// same bytes and so the same S3 ETag); [Inspect] validates an archive someone else made
// and lists it; [ReplaceCode] swaps the code/ directory of an existing archive, as the
// SageMaker Python SDK does at deploy time. All three refuse what could escape the model
// directory when unpacked (absolute or ".." names, symlinks that leave the tree, special
// files), and reading is bounded by [ReadLimits], so a gzip bomb fails fast.
//
// The package uses only the standard library.
package modeltar
