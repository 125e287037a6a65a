// The unit tier: `npm run test:unit` (the list is tests/unit-tier.json). `npm test` runs every file.
"use strict";
const base = require("../.mocharc.js");
const { files } = require("./unit-tier.json");

module.exports = { ...base, spec: files.map((f) => `tests/${f}.test.ts`) };
