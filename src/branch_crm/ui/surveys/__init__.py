"""Survey screens: keyed entry of returned forms, phone/counter answers, scores."""
