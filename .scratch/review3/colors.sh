for i in 0 1 2 3 4 5 6 7; do printf "\e[3${i}m fg3$i \e[0m\e[9${i}m fg9$i \e[0m"; done; echo
for i in 0 1 2 3 4 5 6 7; do printf "\e[4${i}m bg4$i \e[0m\e[10${i}m bg10$i \e[0m"; done; echo
printf "\e[1mbold\e[0m \e[2mdim\e[0m \e[3mitalic\e[0m \e[4munderline\e[0m \e[7mreverse\e[0m \e[1;33mbold-yellow\e[0m \e[2;37mdim-white\e[0m\n"
