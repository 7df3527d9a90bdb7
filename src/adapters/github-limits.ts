/**
 * Sizes GitHub refuses past, apart from the GitHub client so that a front end can respect them without loading it
 * (the CLI writes the comment's Markdown for users who post it themselves).
 */

/** GitHub refuses issue comments longer than this many characters: the renderers take it as their limit. */
export const COMMENT_LIMIT = 65_536;
/** GitHub refuses commit status descriptions longer than this. */
export const STATUS_DESCRIPTION_LIMIT = 140;
/** GitHub refuses issue bodies longer than this many characters (the same cap as a comment's). */
export const ISSUE_BODY_LIMIT = 65_536;
/** GitHub refuses issue titles longer than this. */
export const ISSUE_TITLE_LIMIT = 256;
