#!/bin/sh
# mini:chapter 01
echo one
# mini:begin 02
echo two
# mini:end 02
