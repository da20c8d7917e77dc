package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/cityline/cityline/internal/classify"
)

func runClassify(ctx context.Context, args []string, out io.Writer) error {
	return runGroup(ctx, "classify", []subcommand{
		{"eval", "measure a classifier: cross-validation on one CSV, or train on one and test on another", classifyEval},
		{"train", "train a classifier from a CSV and write it to a model file", classifyTrain},
		{"predict", "print the three most likely labels of a text, with their confidence", classifyPredict},
	}, args, out)
}

const classifyCSVAbout = `The CSV files have a header row that names the columns title, body and label (in any order;
other columns such as id or time are ignored), then one request a row.`

const classifyEvalAbout = `
Trains a classifier from scratch on the --train file and measures it: with --test, on that file;
without, by k-fold cross-validation on the --train file itself (each label spread evenly over the
folds). Prints each label's precision, recall and F1, then as its last line
accuracy=N macro_f1=N.

` + classifyCSVAbout

func classifyEval(_ context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("classify eval", "classify eval --train FILE.csv [--test FILE.csv] [--folds 5] [--seed N]", classifyEvalAbout, out)
	trainFile := fs.String("train", "", "labelled examples to train on (required)")
	testFile := fs.String("test", "", "labelled examples to test on; without it, cross-validation on --train")
	folds := fs.Int("folds", 5, "folds of the cross-validation")
	seed := fs.Uint64("seed", 0, "seed of the folds and of training")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *trainFile == "" {
		return errors.New("--train is required")
	}
	train, err := readExamples(*trainFile)
	if err != nil {
		return err
	}
	opts := classify.Options{Seed: *seed}
	var r classify.Report
	if *testFile == "" {
		if r, err = classify.CrossValidate(train, *folds, opts); err != nil {
			return err
		}
		fmt.Fprintf(out, "%d-fold cross-validation on %d examples of %s\n", *folds, len(train), *trainFile)
	} else {
		test, err := readExamples(*testFile)
		if err != nil {
			return err
		}
		m, err := classify.Train(train, opts)
		if err != nil {
			return err
		}
		if r, err = m.Evaluate(test); err != nil {
			return err
		}
		fmt.Fprintf(out, "trained on %d examples of %s, tested on %d of %s\n", len(train), *trainFile, len(test), *testFile)
	}
	fmt.Fprintf(out, "%8s %9s %9s %9s  %s\n", "support", "precision", "recall", "f1", "label")
	for _, c := range r.Classes {
		fmt.Fprintf(out, "%8d %9.4f %9.4f %9.4f  %s\n", c.Support, c.Precision, c.Recall, c.F1, c.Label)
	}
	fmt.Fprintf(out, "mean confidence %.4f; confident %d of %d (%.4f right)\n", r.MeanConfidence, r.Confident, r.Examples,
		float64(r.ConfidentCorrect)/float64(max(r.Confident, 1)))
	fmt.Fprintf(out, "accuracy=%.4f macro_f1=%.4f\n", r.Accuracy, r.MacroF1)
	return nil
}

func readExamples(path string) ([]classify.Example, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	ex, err := classify.ReadCSV(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return ex, nil
}

func classifyTrain(_ context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("classify train", "classify train --csv FILE.csv --out MODEL [--seed N]",
		"Trains a classifier on every row of the CSV file and writes it to MODEL (replaced whole, or not at all).\n\n"+classifyCSVAbout, out)
	csvFile := fs.String("csv", "", "labelled examples (required)")
	outFile := fs.String("out", "", "model file to write (required)")
	seed := fs.Uint64("seed", 0, "seed of training")
	if _, err := parseArgs(fs, args); err != nil {
		return err
	}
	if *csvFile == "" || *outFile == "" {
		return errors.New("--csv and --out are required")
	}
	examples, err := readExamples(*csvFile)
	if err != nil {
		return err
	}
	start := time.Now()
	m, err := classify.Train(examples, classify.Options{Seed: *seed})
	if err != nil {
		return err
	}
	took := time.Since(start)
	size, err := writeModel(*outFile, m)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "trained on %d examples, %d labels, in %s; wrote %s (%d bytes)\n",
		len(examples), len(m.Labels()), took.Round(time.Millisecond), *outFile, size)
	return nil
}

// writeModel writes m beside path and renames it into place, so that a crash leaves the old file or
// the new one, never half of one.
func writeModel(path string, m *classify.Model) (int64, error) {
	f, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".tmp-*")
	if err != nil {
		return 0, err
	}
	size, err := m.WriteTo(f)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(f.Name(), path)
	}
	if err != nil {
		os.Remove(f.Name())
		return 0, fmt.Errorf("write %s: %w", path, err)
	}
	return size, nil
}

func classifyPredict(_ context.Context, args []string, out io.Writer) error {
	fs := helpFlagSet("classify predict", "classify predict --model MODEL [--title TITLE] TEXT",
		"Prints the three most likely labels of a request (TEXT is its description), with their confidence,\nand whether the suggestion is confident enough to act on without a person.", out)
	modelFile := fs.String("model", "", "model file written by 'classify train' (required)")
	title := fs.String("title", "", "the request's title")
	text, err := parseArgs(fs, args, "TEXT")
	if err != nil {
		return err
	}
	if *modelFile == "" {
		return errors.New("--model is required")
	}
	f, err := os.Open(*modelFile)
	if err != nil {
		return err
	}
	defer f.Close()
	m, err := classify.ReadModel(f)
	if err != nil {
		return fmt.Errorf("%s: %w", *modelFile, err)
	}
	p := m.Predict(*title, text[0])
	for _, s := range p.Top {
		fmt.Fprintf(out, "%.4f  %s\n", s.Confidence, s.Label)
	}
	if p.Confident {
		fmt.Fprintln(out, "confident")
	} else {
		t := m.Thresholds()
		fmt.Fprintf(out, "unsure (a person should decide: wanted at least %.2f, and %.2f ahead of the second)\n", t.MinConfidence, t.MinMargin)
	}
	return nil
}
