package scalar

import "riffle/sql/types"

// registerZoned declares the functions whose result depends on the session
// time zone (exec/expr reads it from its Env): the local clock's
// LOCALTIMESTAMP, CURRENT_DATE and CURRENT_TIME / LOCALTIME, as Flink
// types them, and Flink's TO_TIMESTAMP_LTZ(epoch, precision), which makes
// an instant of a number of seconds (precision 0) or milliseconds (3).
func registerZoned() {
	ts3 := types.Type{ID: types.Timestamp, Precision: 3}
	named([]string{"localtimestamp"}, sig{text: "", min: 0, ret: retT(ts3)})
	named([]string{"current_date"}, sig{text: "", min: 0, ret: retT(types.TDate)})
	named([]string{"current_time", "localtime"}, sig{text: "", min: 0, ret: retT(types.Type{ID: types.Time, Precision: 0})})
	named([]string{"to_timestamp_ltz"}, sig{text: "(numeric epoch, INT precision)", params: p(cNum, cInt), min: 2,
		ret: retT(types.Type{ID: types.TimestampLTZ, Precision: 3})})
}
