package main

import "github.com/ecpay-go/einvoice/internal/batch"

// The tests read the result lines and the journal that package batch
// writes by the names they had when the engine lived here.
type (
	result        = batch.Result
	target        = batch.Target
	journalRecord = batch.Record
)

const (
	journalSuffix              = batch.JournalSuffix
	maxRecordBytes             = batch.MaxRecordBytes
	maxTsrLine                 = batch.MaxKeyBytes
	outcomeDuplicate           = batch.OutcomeDuplicate
	outcomeProbablyDoneEarlier = batch.OutcomeProbablyDoneEarlier
)

var (
	parseHeader = batch.ParseHeader
	headerLine  = batch.HeaderLine
)
