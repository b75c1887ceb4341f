"""The outputs stage: query functions over the SQL views (`metrics`), files for people (`export`,
`report`) and the Vietnamese formats they share (`fmt`)."""
