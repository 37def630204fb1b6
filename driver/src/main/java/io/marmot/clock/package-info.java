/**
 * Last-writer-wins, readable whole: the hybrid logical clock that stamps each change group where it ends, the rule
 * that turns clock readings into unique, increasing versions, the row keys versions are indexed by, and the table of the
 * version each row holds. Everything that decides which of two writes to one row survives lives here.
 */
package io.marmot.clock;
