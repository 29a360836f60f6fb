package nexmark

import "riffle/sql/types"

// ddlSchema is the table of Flink's ddl_gen.sql: event_type, the three
// ROWs, and the computed dateTime (which the source leaves alone).
func ddlSchema() types.Schema {
	row := func(fs []field) types.Type {
		t := types.Type{ID: types.RowType}
		for _, f := range fs {
			ft := types.TBigInt
			switch f.t {
			case fString:
				ft = types.TString
			case fTime:
				ft = types.TTimestamp
			}
			t.Fields = append(t.Fields, types.Field{Name: f.name, Type: ft})
		}
		return t
	}
	return types.Schema{Columns: []types.Column{
		{Name: "event_type", Type: types.TInt, Nullable: true},
		{Name: "person", Type: row(entityFields[colPerson]), Nullable: true},
		{Name: "auction", Type: row(entityFields[colAuction]), Nullable: true},
		{Name: "bid", Type: row(entityFields[colBid]), Nullable: true},
		{Name: "dateTime", Type: types.TTimestamp, Nullable: true},
	}}
}
