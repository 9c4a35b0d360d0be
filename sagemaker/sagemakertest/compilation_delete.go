package sagemakertest

// deleteCompilationJob removes a finished job, as SageMaker does: a job that is
// STARTING, INPROGRESS or STOPPING must be stopped and reach STOPPED first.
// Its S3 artifact is not deleted.
func (s *Server) deleteCompilationJob(body []byte) (any, *APIError) {
	var in struct{ CompilationJobName string }
	if e := decode(body, &in); e != nil {
		return nil, e
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	j, e := s.jobLocked(in.CompilationJobName)
	if e != nil {
		return nil, e
	}
	switch j.status {
	case CompilationStarting, CompilationInProgress, CompilationStopping:
		return nil, validation("Compilation job %s is in status %s; stop it and wait until it is STOPPED before deleting it.", j.name, j.status)
	}
	j.gen++ // no pending transition may resurrect it
	delete(s.jobs, j.name)
	delete(s.tags, j.arn)
	return struct{}{}, nil
}
