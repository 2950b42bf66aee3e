// The record page of 违法建设 (/construction/records/{code}), loaded on its own.
export { RecordPage as default } from "./ConstructionRecords";
